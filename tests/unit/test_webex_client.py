"""The Webex client: retries, Retry-After, backoff, pagination, typed errors, multipart."""

import pytest
import requests
import responses

from bot.webex import BotClient, Http, RateLimited, RetryPolicy, Unavailable, Upload, with_max
from tests.conftest import API


@pytest.fixture
def waits():
    return []


@pytest.fixture
def http(waits):
    return Http(RetryPolicy(sleep=waits.append))


@responses.activate
def test_429_waits_retry_after_then_succeeds(http, waits):
    url = f"{API}/meetings/m1"
    responses.get(url, status=429, headers={"Retry-After": "7"}, json={"message": "slow down"})
    responses.get(url, json={"id": "m1"})
    assert http.json("GET", url, token="t") == {"id": "m1"}
    assert waits == [7.0]


@responses.activate
def test_429_gives_up_past_the_total_wait(http, waits):
    url = f"{API}/meetings/m1"
    responses.get(url, status=429, headers={"Retry-After": "300"})
    with pytest.raises(RateLimited) as err:
        http.json("GET", url, token="t")
    assert err.value.retry_after == 300 and waits == []


@responses.activate
def test_5xx_backs_off_exponentially_and_is_bounded(http, waits):
    url = f"{API}/people/me"
    for _ in range(5):
        responses.get(url, status=503, json={"message": "busy", "trackingId": "T1"})
    with pytest.raises(Unavailable) as err:
        http.json("GET", url, token="t")
    assert err.value.status == 503 and err.value.tracking_id == "T1"
    assert len(waits) == 4
    assert all(0.25 <= w <= 8 for w in waits) and waits[3] > waits[0]


@responses.activate
def test_connection_error_is_retried(http, waits):
    url = f"{API}/people/me"
    responses.get(url, body=requests.ConnectionError("refused"))
    responses.get(url, json={"id": "me"})
    assert http.json("GET", url, token="t")["id"] == "me"
    assert len(waits) == 1


@responses.activate
def test_pagination_follows_link_and_keeps_max(http):
    url = f"{API}/meetings"
    responses.get(
        url,
        json={"items": [{"id": 1}, {"id": 2}]},
        headers={"Link": f'<{API}/meetings?cursor=abc&max=null>; rel="next"'},
        match=[responses.matchers.query_param_matcher({"max": "2", "state": "ended"})],
    )
    responses.get(
        url,
        json={"items": [{"id": 3}]},
        match=[responses.matchers.query_param_matcher({"cursor": "abc", "max": "2"})],
    )
    items = list(http.paged(url, token="t", params={"max": 2, "state": "ended"}))
    assert [i["id"] for i in items] == [1, 2, 3]


def test_with_max_replaces_null():
    assert with_max("https://x/y?max=null&a=1", 50) == "https://x/y?a=1&max=50"


@responses.activate
def test_send_png_goes_multipart_with_files_field(http):
    responses.post(f"{API}/messages", json={"id": "msg"})
    bot = BotClient("bot-token", API, http)
    bot.send(room_id="r1", markdown="chart", parent_id="p1", upload=Upload("c.png", b"\x89PNG"))
    request = responses.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="files"; filename="c.png"' in request.body
    assert b"Content-Type: image/png" in request.body and b'name="parentId"' in request.body


@responses.activate
def test_sdk_calls_share_the_retry_policy(http, waits):
    responses.post(f"{API}/messages", status=429, headers={"Retry-After": "2"})
    responses.post(f"{API}/messages", json={"id": "m", "roomId": "r"})
    bot = BotClient("bot-token", API, http)
    assert bot.send(room_id="r", markdown="hi")["id"] == "m"
    assert waits == [2.0]


@responses.activate
def test_post_is_not_repeated_after_a_read_timeout(http, waits):
    """Webex may have posted the message already: a second POST would answer twice."""
    responses.post(f"{API}/messages", body=requests.ReadTimeout("slow"))
    responses.post(f"{API}/messages", json={"id": "second"})
    with pytest.raises(Unavailable) as err:
        http.json("POST", f"{API}/messages", token="t", json={"text": "hi"})
    assert not err.value.retryable and waits == []
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_not_repeated_after_a_502_but_is_after_a_503(http, waits):
    responses.post(f"{API}/access_token", status=502)
    with pytest.raises(Unavailable):
        http.json("POST", f"{API}/access_token", data={"grant_type": "refresh_token"})
    assert len(responses.calls) == 1
    responses.post(f"{API}/messages", status=503)
    responses.post(f"{API}/messages", json={"id": "ok"})
    assert http.json("POST", f"{API}/messages", token="t", json={})["id"] == "ok"
    assert len(waits) == 1


@responses.activate
def test_get_is_repeated_after_a_read_timeout(http, waits):
    responses.get(f"{API}/people/me", body=requests.ReadTimeout("slow"))
    responses.get(f"{API}/people/me", json={"id": "me"})
    assert http.json("GET", f"{API}/people/me", token="t")["id"] == "me"


@responses.activate
def test_sdk_message_post_is_not_repeated_after_a_500(http, waits):
    responses.post(f"{API}/messages", status=500, json={"message": "oops"})
    bot = BotClient("bot-token", API, http)
    with pytest.raises(Unavailable):
        bot.send(room_id="r", markdown="hi")
    assert len(responses.calls) == 1 and waits == []
