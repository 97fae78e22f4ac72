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


def test_sign_up_of_a_taken_address_answers_exactly_as_a_new_one(client: TestClient) -> None:
    # Given an address with a confirmed account, one waiting for its code, and a new one
    confirmed, waiting = new_email(), new_email()
    sign_up(client, confirmed)
    confirm(client, confirmed)
    sign_up(client, waiting)

    # When each is signed up (again)
    answers = {
        email: client.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
        for email in (confirmed, waiting, new_email())
    }

    # Then the three answers are the same but for the address: nothing tells which has an account
    shapes = {(r.status_code, r.json()["confirmed"], tuple(r.json())) for r in answers.values()}
    assert shapes == {(201, False, ("email", "confirmed"))}
    assert [r.json()["email"] for r in answers.values()] == list(answers)
    # And the confirmed account is untouched: its password still logs in
    assert log_in(client, confirmed)


def test_weak_password_is_422_with_a_reason_in_words(client: TestClient) -> None:
    response = client.post("/api/auth/signup", json={"email": new_email(), "password": "alllowercase1"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    (detail,) = error["details"]
    assert (detail["loc"], detail["type"]) == (["body", "password"], "invalid_password")
    assert "upper-case letter" in detail["msg"] and "^" not in detail["msg"]


def test_malformed_body_is_422_validation_error_with_details(client: TestClient) -> None:
    response = client.post("/api/auth/signup", json={"email": "not-an-email", "password": "short"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {tuple(d["loc"][-1:]) for d in error["details"]} == {("email",), ("password",)}


def test_confirm_with_a_code_that_is_not_six_digits_is_422_in_words(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    response = client.post("/api/auth/confirm", json={"email": email, "code": "12ab"})
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert (detail["loc"], detail["type"]) == (["body", "code"], "invalid_code")
    assert detail["msg"] == "Enter the 6 digits of the code from the email."


def test_confirm_of_a_confirmed_or_unknown_address_answers_as_a_wrong_code(client: TestClient) -> None:
    # Given a confirmed account and an address without an account
    confirmed = new_email()
    sign_up(client, confirmed)
    confirm(client, confirmed)

    # When each is confirmed with a code that is not theirs
    answers = [
        client.post("/api/auth/confirm", json={"email": email, "code": "654321"})
        for email in (confirmed, new_email())
    ]

    # Then both answers are the same wrong-code error (the one a wrong code for a waiting account
    # gets from Cognito: locally any 6 digits confirm it, so that case is not shown here)
    assert {(r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) for r in answers} == {
        (401, "invalid_code", "The confirmation code is wrong.")
    }


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


def test_log_out_revokes_the_access_token_at_once(client: TestClient) -> None:
    # Given a logged-in user whose access token works
    email = new_email()
    sign_up(client, email)
    confirm(client, email)
    token = log_in(client, email)
    assert client.get("/api/me", headers=bearer(token)).status_code == 200

    # When they log out
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204

    # Then the token they held is refused everywhere, though it has not expired
    refused = client.get("/api/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"
    assert client.get("/api/lists", headers=bearer(token)).status_code == 401
    # And logging in again gives a token that works
    assert client.get("/api/me", headers=bearer(log_in(client, email))).status_code == 200


def test_log_out_with_only_the_cookie_revokes_that_sessions_access_token(client: TestClient) -> None:
    email = new_email()
    sign_up(client, email)
    confirm(client, email)
    token = log_in(client, email)

    assert client.post("/api/auth/logout").status_code == 204  # no bearer: the refresh cookie

    assert client.get("/api/me", headers=bearer(token)).json()["error"]["code"] == "token_revoked"


def test_log_out_without_credentials_is_a_harmless_204(client: TestClient) -> None:
    client.cookies.clear()
    assert client.post("/api/auth/logout").status_code == 204
    assert client.post("/api/auth/logout", headers=bearer("not-a-jwt")).status_code == 204
