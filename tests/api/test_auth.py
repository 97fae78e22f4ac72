"""Auth routes through the ASGI client, against the emulated Cognito."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, bearer, confirm, log_in, new_email, sign_up


def test_sign_up_confirm_log_in_returns_token_and_secure_refresh_cookie(client: TestClient) -> None:
    # Given a new account
    email = new_email()
    sign_up(client, email)
    confirm(client, email)

    # When the person logs in
    response = client.post("/api/auth/login", json={"email": email.upper(), "password": PASSWORD})

    # Then the access token is in the body and the refresh token in a locked-down cookie
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["access_token"]
    cookie = response.headers["set-cookie"]
    for attribute in ("herald_refresh=", "HttpOnly", "Secure", "SameSite=strict", "Path=/api/auth"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "refresh" not in body


def test_refresh_uses_the_cookie_and_logout_clears_it(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    confirm(client, email)
    log_in(client, email)

    refreshed = client.post("/api/auth/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert client.get("/api/me", headers=bearer(refreshed.json()["access_token"])).status_code == 200

    logout = client.post("/api/auth/logout")
    assert logout.status_code == 204
    assert 'herald_refresh=""' in logout.headers["set-cookie"] or "Max-Age=0" in logout.headers["set-cookie"]
    client.cookies.clear()
    assert client.post("/api/auth/refresh").json()["error"]["code"] == "not_authenticated"


def test_refresh_after_global_sign_out_is_refused(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    confirm(client, email)
    log_in(client, email)
    cookie = client.cookies.get("herald_refresh")
    assert cookie

    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.set("herald_refresh", cookie, domain="testserver", path="/api/auth")

    response = client.post("/api/auth/refresh")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_refresh_without_cookie_is_401(client: TestClient) -> None:
    response = client.post("/api/auth/refresh")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_sign_up_twice_is_409_user_exists(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    response = client.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "user_exists"


def test_weak_password_is_422_with_a_reason(client: TestClient) -> None:
    response = client.post("/api/auth/signup", json={"email": new_email(), "password": "alllowercase1"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_password"
    assert error["message"]


def test_malformed_body_is_422_validation_error_with_details(client: TestClient) -> None:
    response = client.post("/api/auth/signup", json={"email": "not-an-email", "password": "short"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {tuple(d["loc"][-1:]) for d in error["details"]} == {("email",), ("password",)}


def test_confirm_with_a_code_that_is_not_six_digits_is_400_invalid_code(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    response = client.post("/api/auth/confirm", json={"email": email, "code": "12ab"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"


def test_confirm_twice_is_409_already_confirmed(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    confirm(client, email)
    response = client.post("/api/auth/confirm", json={"email": email, "code": "654321"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_confirmed"


def test_log_in_before_confirming_is_403_user_not_confirmed(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "user_not_confirmed"


def test_wrong_password_and_unknown_user_are_the_same_401(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    confirm(client, email)
    wrong = client.post("/api/auth/login", json={"email": email, "password": "Wrong-Password-1"})
    unknown = client.post("/api/auth/login", json={"email": new_email(), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"
