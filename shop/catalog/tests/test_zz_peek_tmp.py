import pytest, time, threading
pytestmark = pytest.mark.django_db
def test_peek():
    from django.db import connection
    time.sleep(1)
    with connection.cursor() as c:
        c.execute("select pid, state, left(query,80), application_name from pg_stat_activity where datname=current_database() and pid<>pg_backend_pid()")
        print(c.fetchall())
    print([t.name for t in threading.enumerate()])
