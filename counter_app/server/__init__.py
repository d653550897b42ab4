"""The district/provincial sync server (counter_app/sync/PROTOCOL.md): Starlette on uvicorn,
SQLAlchemy Core on PostgreSQL (psycopg 3) or an embedded SQLite file. Never in the desk bundle."""
