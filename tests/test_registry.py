"""Tests for noai_check.judge.registry and the shipped agents.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from noai_check.judge.registry import (
    AI_ROBOTS_TXT_URL,
    OBEYS,
    PURPOSES,
    Agent,
    Registry,
    RegistryError,
    load_registry,
    shipped_registry,
)
from tests.corpus import CORPUS_DIR

ROBOTS_JSON = CORPUS_DIR / "ai_robots_txt" / "robots.json__2026-08-22.json"
SOUNDCLOUD_2023 = CORPUS_DIR / "robots" / "soundcloud.com__2023-11-19.txt"
SHIPPED_FILE = Path(__file__).resolve().parents[1] / "noai_check" / "judge" / "data" / "agents.json"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_registry()


# --- the shipped data ------------------------------------------------------------------------


def test_at_least_70_agents(reg):
    assert len(reg.agents) >= 70


def test_shipped_file_shape():
    data = json.loads(SHIPPED_FILE.read_text(encoding="utf-8"))
    assert set(data) == {"version", "agents"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["version"])
    for entry in data["agents"]:
        probe = {"user_agent", "user_agent_source"} & set(entry)
        assert probe in (set(), {"user_agent", "user_agent_source"}), entry  # a published user agent has its source
        assert set(entry) - probe == {"token", "operator", "purpose", "obeys_robots", "docs", "notes"}, entry
        assert all(isinstance(v, str) for v in entry.values()), entry
        if probe:
            assert entry["token"].lower() in entry["user_agent"].lower(), entry  # the string names its crawler
            assert entry["user_agent_source"].startswith("https://"), entry


def test_probeable_agents_and_user_files_with_a_user_agent(tmp_path):
    reg = load_registry()
    assert [a.token for a in reg if a.user_agent] == ["Amazonbot", "Applebot", "CCBot", "ChatGPT-User", "GPTBot",
                                                      "meta-externalagent", "PerplexityBot"]
    assert "user_agent" not in reg.get("ClaudeBot").to_json() and reg.get("GPTBot").to_json()["user_agent_source"]
    extra = tmp_path / "agents.json"
    extra.write_text('[{"token": "MyBot", "purpose": "training", "user_agent": "MyBot/1.0\\n(x)"}]', encoding="utf-8")
    mine = load_registry(extra).get("MyBot")
    assert mine.user_agent == "MyBot/1.0 (x)" and mine.user_agent_source == ""  # one line: a header value


def test_every_purpose_and_stance_valid(reg):
    for agent in reg.agents:
        assert agent.purpose in PURPOSES, agent
        assert agent.obeys_robots in OBEYS, agent
        assert agent.operator.strip(), agent
        assert agent.docs.startswith("https://"), agent


def test_every_purpose_is_used(reg):
    groups = reg.by_purpose()
    assert list(groups)[: len(PURPOSES)] == list(PURPOSES)
    for purpose in PURPOSES:
        assert groups[purpose], purpose
    assert sum(len(v) for v in groups.values()) == len(reg.agents)


def test_tokens_unique_case_insensitively(reg):
    folded = [t.casefold() for t in reg.tokens()]
    assert len(folded) == len(set(folded))
    # the case duplicates of ai.robots.txt appear once
    for token in ("meta-externalagent", "meta-externalfetcher", "webzio-extended"):
        assert folded.count(token) == 1


@pytest.mark.parametrize(
    ("token", "purpose"),
    [
        ("GPTBot", "training"),
        ("CCBot", "training"),
        ("ClaudeBot", "training"),
        ("anthropic-ai", "training"),
        ("Bytespider", "training"),
        ("meta-externalagent", "training"),
        ("cohere-training-data-crawler", "training"),
        ("Diffbot", "training"),
        ("omgili", "training"),
        ("Timpibot", "training"),
        ("img2dataset", "training"),
        ("GoogleOther", "training"),
        ("AI2Bot", "training"),
        ("Amazonbot", "training"),
        ("Applebot", "ai-search"),
        ("DuckAssistBot", "ai-search"),
        ("YouBot", "ai-search"),
        ("Amzn-SearchBot", "ai-search"),
        ("MistralAI-User", "user-fetch"),
        ("Claude-Web", "other-ai"),
        ("Google-Extended", "control"),
        ("Applebot-Extended", "control"),
        ("Webzio-Extended", "control"),
        ("OAI-SearchBot", "ai-search"),
        ("Claude-SearchBot", "ai-search"),
        ("PerplexityBot", "ai-search"),
        ("ChatGPT-User", "user-fetch"),
        ("Claude-User", "user-fetch"),
        ("Perplexity-User", "user-fetch"),
        ("meta-externalfetcher", "user-fetch"),
        ("OAI-AdsBot", "other-ai"),
        ("bingbot", "other-ai"),
    ],
)
def test_expected_purpose(reg, token, purpose):
    agent = reg.get(token)
    assert agent is not None, token
    assert agent.purpose == purpose


@pytest.mark.parametrize(
    ("token", "obeys"),
    [
        ("GPTBot", "yes"),
        ("ClaudeBot", "yes"),
        ("Google-Extended", "yes"),
        ("CCBot", "yes"),
        ("Bytespider", "no"),
        ("Perplexity-User", "no"),
        ("meta-externalfetcher", "no"),
        ("DeepSeekBot", "no"),
        ("anthropic-ai", "unclear"),
        ("Claude-Web", "unclear"),
        ("OAI-AdsBot", "unclear"),
    ],
)
def test_robots_stance_from_signals_md(reg, token, obeys):
    assert reg.get(token).obeys_robots == obeys


def test_bingbot_note_points_to_noarchive(reg):
    bing = reg.get("bingbot")
    assert "noarchive" in bing.notes and "nocache" in bing.notes
    assert not bing.reserves_training_when_blocked


def test_reserves_training_when_blocked(reg):
    assert reg.get("GPTBot").reserves_training_when_blocked
    assert reg.get("Google-Extended").reserves_training_when_blocked
    assert not reg.get("OAI-SearchBot").reserves_training_when_blocked
    assert not reg.get("ChatGPT-User").reserves_training_when_blocked


def test_get_is_case_insensitive(reg):
    assert reg.get("gptbot") is reg.get("GPTBot") is reg.get("  GPTBOT ")
    assert reg.get("Meta-ExternalAgent").token == "meta-externalagent"
    assert reg.get("no-such-bot") is None
    assert "ccbot" in reg and "no-such-bot" not in reg


def test_invalid_tokens_flagged(reg):
    invalid = {a.token for a in reg.invalid_tokens()}
    assert {"AI2Bot", "img2dataset", "iaskspider/2.0", "MistralAI-User/1.0", "Kangaroo Bot"} <= invalid
    assert "GPTBot" not in invalid
    assert reg.get("GPTBot").valid_token
    assert not reg.get("AI2Bot").valid_token
    assert Agent("Meta_Bot-x", "o", "training", "yes", "").valid_token
    assert not Agent("", "o", "training", "yes", "").valid_token
    assert not Agent("GPTBot ", "o", "training", "yes", "").valid_token
    # every invalid one says so in its notes, so reports can explain it
    for agent in reg.invalid_tokens():
        assert "RFC 9309" in agent.notes, agent.token


def test_docs_fall_back_to_ai_robots_txt(reg):
    assert reg.get("GPTBot").docs != AI_ROBOTS_TXT_URL
    assert reg.get("Timpibot").docs == AI_ROBOTS_TXT_URL


# --- API ------------------------------------------------------------------------------------


def test_with_agents_replaces_in_place_and_appends(reg):
    mine = Agent("gptbot", "OpenAI", "other-ai", "unclear", "", "overridden")
    new = Agent("MyBot", "Me", "training", "yes", "https://example.org/bot")
    out = reg.with_agents([mine, new])
    assert len(out.agents) == len(reg.agents) + 1
    assert out.get("GPTBot") == mine
    assert out.tokens().index("gptbot") == reg.tokens().index("GPTBot")
    assert out.tokens()[-1] == "MyBot"
    assert reg.get("GPTBot").purpose == "training"  # original untouched


def test_select_keeps_order_and_fills_unknown(reg):
    sub = reg.select(["ccbot", "NewBot", "GPTBot", "CCBot", ""])
    assert sub.tokens() == ["CCBot", "NewBot", "GPTBot"]
    unknown = sub.get("newbot")
    assert unknown == Agent("NewBot", operator="unknown", purpose="unknown", obeys_robots="unclear", docs="")
    assert not unknown.reserves_training_when_blocked
    assert sub.version == reg.version
    assert "unknown" in sub.by_purpose()


def test_registry_rejects_duplicates():
    a = Agent("X", "o", "training", "yes", "")
    with pytest.raises(RegistryError):
        Registry("v", (a, Agent("x", "o", "training", "yes", "")))


# --- user files -----------------------------------------------------------------------------


def test_user_json_file(tmp_path, reg):
    f = tmp_path / "mine.json"
    f.write_text(
        json.dumps(
            {
                "version": "local-1",
                "agents": [
                    {"token": "ExampleAIBot", "purpose": "training", "operator": "Example Inc"},
                    {"token": "ccbot", "purpose": "other-ai", "notes": "we treat it as archive"},
                ],
            }
        ),
        encoding="utf-8",
    )
    out = load_registry(f)
    assert out.version == f"{reg.version}+mine.json"
    assert len(out.agents) == len(reg.agents) + 1
    ex = out.get("exampleaibot")
    assert (ex.operator, ex.purpose, ex.obeys_robots, ex.docs) == ("Example Inc", "training", "unclear", "")
    assert ex.reserves_training_when_blocked
    cc = out.get("CCBot")  # override of a shipped token
    assert cc.purpose == "other-ai" and cc.token == "ccbot" and cc.notes == "we treat it as archive"
    assert not cc.reserves_training_when_blocked


def test_user_json_bare_list(tmp_path):
    f = tmp_path / "list.json"
    f.write_text('[{"token": "ListBot", "purpose": "ai-search"}]', encoding="utf-8")
    assert load_registry(f).get("ListBot").purpose == "ai-search"


def test_user_text_file(tmp_path, reg):
    f = tmp_path / "agents.txt"
    f.write_text(
        "\ufeff# my extra agents\n"
        "\n"
        "PlainBot\n"
        "TrainBot, training, Train Co  # inline comment\n"
        "SearchBot,ai-search\n"
        "GPTBot,,Open AI Inc\n"
        "ClaudeBot\n",
        encoding="utf-8",
    )
    out = load_registry(f)
    assert len(out.agents) == len(reg.agents) + 3
    plain = out.get("PlainBot")
    assert (plain.purpose, plain.operator, plain.obeys_robots) == ("other-ai", "unknown", "unclear")
    train = out.get("trainbot")
    assert (train.purpose, train.operator) == ("training", "Train Co")
    assert out.get("SearchBot").purpose == "ai-search"
    gpt = out.get("GPTBot")  # fields left out come from the shipped entry
    assert (gpt.purpose, gpt.operator, gpt.docs) == ("training", "Open AI Inc", reg.get("GPTBot").docs)
    assert out.get("ClaudeBot") == reg.get("ClaudeBot")


def test_text_file_detected_as_json_by_content(tmp_path):
    f = tmp_path / "agents.conf"
    f.write_text('{"agents": [{"token": "ConfBot", "purpose": "user-fetch"}]}', encoding="utf-8")
    assert load_registry(f).get("ConfBot").purpose == "user-fetch"


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bad.json", '{"agents": [', "invalid JSON at line 1"),
        ("noagents.json", '{"version": "x"}', "has no 'agents'"),
        ("notlist.json", '{"agents": {}}', "'agents' is not a list"),
        ("scalar.json", "42", "expected an object"),
        ("notoken.json", '{"agents": [{"purpose": "training"}, {"pu": 1}]}', "entry 1 has no 'token'"),
        (
            "third.json",
            ('{"agents": [{"token": "A", "purpose": "training"}, {"token": "B", "purpose": "training"},'
             ' {"purpose": "training"}]}'),
            "entry 3 has no 'token'",
        ),
        ("empty.json", '[{"token": "  ", "purpose": "training"}]', "entry 1 has an empty 'token'"),
        ("nopurpose.json", '[{"token": "A"}]', "entry 1 (A) has no 'purpose'"),
        ("badpurpose.json", '[{"token": "A", "purpose": "scraping"}]', "purpose 'scraping' is not one of"),
        ("badobeys.json", '[{"token": "A", "purpose": "training", "obeys_robots": "maybe"}]', "obeys_robots 'maybe'"),
        ("typo.json", '[{"token": "A", "purpose": "training", "purpse": "x"}]', "unknown field 'purpse'"),
        ("nonstr.json", '[{"token": 5, "purpose": "training"}]', "field 'token' is not a string"),
        ("entry.json", '["GPTBot"]', "entry 1 is not an object"),
        (
            "dup.json",
            '[{"token": "A", "purpose": "training"}, {"token": "a", "purpose": "control"}]',
            "entry 2 repeats token 'a' (entry 1)",
        ),
        ("newline.json", '[{"token": "A\\nB", "purpose": "training"}]', "control character"),
        ("dup.txt", "FooBot\nfoobot\n", "line 2 repeats token 'foobot' (line 1)"),
        ("purpose.txt", "FooBot\nBarBot,evil\n", "line 2 (BarBot) purpose 'evil' is not one of"),
        ("latin1.txt", b"Caf\xe9Bot\n", "not UTF-8"),
    ],
)
def test_bad_user_files_give_one_line_errors_naming_the_file(tmp_path, name, content, fragment):
    f = tmp_path / name
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(f)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"agents file {f}: ")
    assert fragment in message, message


def test_error_stays_one_line_for_odd_file_names(tmp_path):
    f = tmp_path / "odd\nname.json"
    f.write_text("{", encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(f)
    assert "\n" not in str(info.value)
    assert "odd name.json: invalid JSON" in str(info.value)


def test_missing_user_file(tmp_path):
    f = tmp_path / "nope.txt"
    with pytest.raises(RegistryError, match=r"^agents file .*nope\.txt: cannot read"):
        load_registry(f)


def test_registry_error_is_value_error():
    assert issubclass(RegistryError, ValueError)


def test_shipped_registry_matches_load_registry(reg):
    assert shipped_registry() == reg


# --- corpus (read in place; skipped when absent) --------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not ROBOTS_JSON.exists(), reason="shared corpus absent")
def test_covers_every_ai_robots_txt_token(reg):
    """The registry claims to cover ai.robots.txt robots.json of 2026-08-22 completely."""
    listed = json.loads(ROBOTS_JSON.read_text(encoding="utf-8"))
    missing = sorted(token for token in listed if reg.get(token) is None)
    assert missing == []
    # ...and every entry that cites ai.robots.txt as its only documentation is listed there
    folded = {token.casefold() for token in listed}
    uncited = [a.token for a in reg.agents if a.docs == AI_ROBOTS_TXT_URL and a.token.casefold() not in folded]
    assert uncited == []
    # never "yes" where ai.robots.txt records a "No"
    for token, info in listed.items():
        if info["respect"].lstrip("[").lower().startswith("no"):
            assert reg.get(token).obeys_robots != "yes", token


@pytest.mark.corpus
@pytest.mark.skipif(not SOUNDCLOUD_2023.exists(), reason="shared corpus absent")
def test_covers_soundcloud_2023_groups(reg):
    agents = [
        line.split(":", 1)[1].strip()
        for line in SOUNDCLOUD_2023.read_text(encoding="utf-8").splitlines()
        if line.lower().startswith("user-agent:")
    ]
    named = [a for a in agents if a != "*"]
    assert named == ["anthropic-ai", "CCBot", "GPTBot", "Google-Extended", "omgili", "omgilibot"]
    for token in named:
        agent = reg.get(token)
        assert agent is not None, token
        assert agent.reserves_training_when_blocked, token


def test_an_agents_file_nested_too_deeply_is_a_registry_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(RegistryError, match=r"deep\.json: JSON nested too deeply"):
        load_registry(deep)


def test_registry_error_is_the_clis_error_type():
    from noai_check.errors import NoaiCheckError

    assert issubclass(RegistryError, NoaiCheckError)
