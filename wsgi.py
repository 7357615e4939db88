"""WSGI entry point for other servers: `gunicorn -w 1 --threads 600 wsgi:app`.

Keep one worker per process: Socket.IO needs sticky sessions, and several processes share
viewers only through LIVEDASH_MESSAGE_QUEUE (see README).
"""

from livedash import create_app

app = create_app()
