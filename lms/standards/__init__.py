"""Standards: the learning record forwarded to an external Learning Record Store (xAPI).

Above ``ledger``: it reads what lower domains recorded and hands it to systems
outside the platform; no lower domain imports it (it listens to their signals).
"""
