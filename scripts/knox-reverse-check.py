#!/usr/bin/python3
"""The reverse proof, with Django and knox themselves: a knox token revoked through the Nest sample
app is refused by knox, and a token knox issues after the move is accepted by the Nest app.
Not a Jest test: it needs a django-rest-knox checkout, which CI does not have.

usage: npm run build && /usr/bin/python3 scripts/knox-reverse-check.py <django-rest-knox checkout> [sqlite|postgres|mariadb]
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = 'knox_reverse_%d' % os.getpid()
PORT = 3900 + os.getpid() % 90


def call(method, path, token=None, body=None):
    request = urllib.request.Request('http://127.0.0.1:%d%s' % (PORT, path), method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header('Content-Type', 'application/json')
    if token:
        request.add_header('Authorization', 'Token ' + token)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.path.insert(0, os.path.abspath(sys.argv[1]))
    name = sys.argv[2] if len(sys.argv) > 2 else 'sqlite'
    sqlite_file = os.path.join(tempfile.mkdtemp(), 'shared.sqlite3')
    if name == 'sqlite':
        db, url = {'ENGINE': 'django.db.backends.sqlite3', 'NAME': sqlite_file}, 'sqlite:' + sqlite_file
    elif name == 'postgres':
        import psycopg2
        c = psycopg2.connect(host='127.0.0.1', user='postgres', dbname='test'); c.autocommit = True; c.cursor().execute('CREATE DATABASE ' + SCRATCH); c.close()
        db, url = {'ENGINE': 'django.db.backends.postgresql', 'NAME': SCRATCH, 'USER': 'postgres', 'HOST': '127.0.0.1'}, 'postgres://postgres@127.0.0.1:5432/' + SCRATCH
    else:
        import MySQLdb
        c = MySQLdb.connect(host='127.0.0.1', user='root', passwd=''); c.cursor().execute('CREATE DATABASE ' + SCRATCH); c.close()
        db, url = {'ENGINE': 'django.db.backends.mysql', 'NAME': SCRATCH, 'USER': 'root', 'PASSWORD': '', 'HOST': '127.0.0.1'}, 'mariadb://root@127.0.0.1:3306/' + SCRATCH
    import django
    from django.conf import settings
    settings.configure(INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'rest_framework', 'knox'], DATABASES={'default': db},
                       USE_TZ=True, TIME_ZONE='UTC', DEFAULT_AUTO_FIELD='django.db.models.AutoField', SECRET_KEY='check-only')
    django.setup()
    from django.core.management import call_command
    from django.contrib.auth.models import User
    from knox.models import AuthToken
    from knox.auth import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed
    call_command('migrate', verbosity=0)
    alice = User.objects.create_user('alice', password='correct horse battery staple')
    _, before = AuthToken.objects.create(user=alice)

    env = {**os.environ, 'DATABASE_URL': url, 'PORT': str(PORT), 'TOKEN_SECRET': 'kR7vN2qX9mZ4tB8wL1cF6yH3pJ0sD5gA-reverse', 'KNOX_TABLE': 'knox_authtoken'}
    app = subprocess.Popen(['node', os.path.join(ROOT, 'dist', 'sample-app', 'main.js')], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    checks = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen('http://127.0.0.1:%d/health' % PORT)
                break
            except Exception:
                time.sleep(0.2)
        # The sample app's users table stands in for auth_user: its user 1 is Django's alice.
        checks.append(('sample app registers user 1', call('POST', '/users', body={'username': 'alice', 'password': 'correct horse battery staple'}) in (200, 201)))
        knox = TokenAuthentication()
        checks.append(('knox accepts the token it issued', knox.authenticate_credentials(before.encode())[0] == alice))
        checks.append(('Nest accepts the same token', call('GET', '/auth/token', before) == 200))
        checks.append(('Nest logout answers 204', call('POST', '/auth/logout', before) == 204))
        try:
            knox.authenticate_credentials(before.encode())
            checks.append(('knox refuses the token revoked through Nest', False))
        except AuthenticationFailed:
            checks.append(('knox refuses the token revoked through Nest', True))
        _, after = AuthToken.objects.create(user=alice)
        checks.append(('Nest accepts a token knox issued after the move', call('GET', '/me', after) == 200))
        checks.append(('Nest exchanges it (POST /auth/upgrade)', call('POST', '/auth/upgrade', after) == 200))
        try:
            knox.authenticate_credentials(after.encode())
            checks.append(('knox refuses the exchanged token', False))
        except AuthenticationFailed:
            checks.append(('knox refuses the exchanged token', True))
    finally:
        app.terminate()
        app.wait()
        from django.db import connection
        connection.close()
        if name == 'postgres':
            c = psycopg2.connect(host='127.0.0.1', user='postgres', dbname='test'); c.autocommit = True; c.cursor().execute('DROP DATABASE IF EXISTS ' + SCRATCH); c.close()
        elif name == 'mariadb':
            c = MySQLdb.connect(host='127.0.0.1', user='root', passwd=''); c.cursor().execute('DROP DATABASE IF EXISTS ' + SCRATCH); c.close()
    for label, ok in checks:
        print('%s %s (%s)' % ('ok  ' if ok else 'FAIL', label, name))
    if not all(ok for _, ok in checks) or len(checks) < 8:
        sys.stderr.write(app.stderr.read().decode()[-2000:] if app.stderr else '')
        sys.exit(1)


if __name__ == '__main__':
    main()
