"""Operations on a whole install: backup, restore, and moving one collection between installs.

Everything here runs from `manage.py` commands, never from a request: it reads and writes the database, the stored
originals and the index directly (or through the worker that holds an embedded index).
"""
