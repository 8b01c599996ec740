from tests.support.mailcatcher import free_port


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_when_everything_is_reachable(client, app):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "database" in response.get_json()["checked"]


def test_readyz_names_redis_when_it_is_down(make_app):
    app = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert list(body["failed"]) == ["redis"]


def test_readyz_names_the_database_when_it_is_down(make_app):
    app = make_app(database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "database" in response.get_json()["failed"]


def test_unknown_path_is_a_clear_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"not found" in response.data.lower()


def test_security_headers_on_pages(client):
    response = client.get("/no/such/page")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_outbox_page_only_in_demo_mode(make_app):
    plain = make_app(mail_backend="outbox")
    assert plain.test_client().get("/dev/outbox").status_code == 404

    demo = make_app(mail_backend="outbox", demo=True)
    with demo.app_context():
        from idp.mail import mailer

        mailer().send("office@clinic.test", "Welcome to the demo", "Hello from the outbox")
    page = demo.test_client().get("/dev/outbox")
    assert page.status_code == 200
    assert b"Welcome to the demo" in page.data
    assert b"Hello from the outbox" in page.data
