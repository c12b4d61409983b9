"""Live webinars: scheduled sessions, registration, joining, attendance and group viewing."""
