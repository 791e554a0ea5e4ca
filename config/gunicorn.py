"""gunicorn's settings, from the environment: ``gunicorn -c config/gunicorn.py config.wsgi``.

| variable | default | meaning |
|---|---|---|
| ``PORT`` / ``GUNICORN_BIND`` | ``0.0.0.0:$PORT`` (8000) | where to listen (a ``host:port`` or ``unix:/path``) |
| ``WEB_CONCURRENCY`` | 2 × CPUs + 1 | worker processes (sync workers: one request each) |
| ``GUNICORN_TIMEOUT`` | 60 | seconds a request may take before its worker is restarted |
| ``GUNICORN_ACCESS_LOG`` | ``-`` (stdout) | access log file; empty for none |
| ``GUNICORN_MAX_REQUESTS`` | 1000 | a worker is replaced after this many requests (with jitter) |

Before it forks, gunicorn runs Django's system checks: the production profile's refusals
(config/checks.py) stop it there, with their message, rather than serve on a development default.
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The address, the request line, the status, the size, the time in microseconds: no cookies, no referer.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)sus'
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# The load balancer terminates TLS and sets X-Forwarded-Proto (settings.SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to start on what ``manage.py check`` refuses. In a child process: Django imported in
    the master would be inherited by every worker it forks, and a HUP would not reload the code."""
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    if subprocess.run([sys.executable, str(manage), "check"], check=False).returncode != 0:
        sys.exit("gunicorn: manage.py check failed (above); not starting")
