"""Discussions beside every course, notifications about them, and the directory of colleagues."""
