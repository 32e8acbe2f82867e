"""The deterministic reader: a cost question in English becomes a :class:`QueryPlan`, a
clarifying question, or a refusal. Offline, no model; the same plan type Bedrock fills.

Rules (the full list is in docs/assistant.md):

- ``as_of`` is the day the question is asked; windows end at it, exclusive (``today`` aside);
- no window named: the last 30 days (stated as an assumption in the answer);
- rising / falling / compare use the previous window of the same length (the previous calendar
  month for a calendar month);
- names are matched against the values in the data (aliases, then close spellings); a name that
  matches nothing is a clarifying question, never a guess;
- a request to change anything, SQL, prompt injection, or a question with no cost subject is
  refused with the reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from finops.assistant.outcome import ParseOutcome
from finops.assistant.plan import Intent, PlanMetric, QueryPlan, Window
from finops.assistant.vocabulary import SERVICE_ALIASES, Vocabulary
from finops.costs.buckets import add_months

DEFAULT_DAYS = 30
DEFAULT_N = 5

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
_NUM = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_RE = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"

# --------------------------------------------------------------------------- refusals

_WRITE = re.compile(
    r"^\s*(please\s+|can you\s+|could you\s+|go\s+(ahead\s+)?(and\s+)?)?"
    r"(delete|drop|truncate|remove|terminate|stop|shut\s*down|kill|destroy|update|insert|modify|"
    r"change|set|create|approve|reject|execute|apply|revoke|disable|enable|resize|scale|"
    r"rollback|roll\s+back|purge|wipe|erase|edit|rename|grant|restart|reboot|start|dismiss|"
    r"acknowledge|ack|resolve|snooze|silence|mute|accept|close|reopen|assign|mark|untag|"
    r"cancel|pause|unpause|trigger|deploy|provision|launch)\b"
)
_WRITE_ANYWHERE = re.compile(
    r"\b(delete|drop|truncate|terminate|destroy|purge|wipe|erase|dismiss|resolve|acknowledge|"
    r"approve|reject)\b.*\b(table|database|anomal(y|ies)|recommendations?|remediations?|"
    r"instance|instances|bucket|data|rows|records|budget|everything|all|account|policy|facts)\b"
)
_SQL = re.compile(
    r"(\bselect\b.+\bfrom\b|\binsert\s+into\b|\bdrop\s+table\b|\bunion\s+select\b|"
    r"\bdelete\s+from\b|\bupdate\s+\w+\s+set\b|;\s*--|'\s*;|\bor\s+1\s*=\s*1\b|--\s*$|/\*)"
)
_INJECTION = re.compile(
    r"(ignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|your)|disregard|"
    r"system\s+prompt|you\s+are\s+now|act\s+as|pretend\s+(to\s+be|you)|jailbreak|"
    r"developer\s+mode|reveal\s+(your|the)\s+(instructions|prompt|rules)|new\s+instructions|"
    r"forget\s+(your|all|everything)|override\s+(your|the)\s+(rules|instructions))"
)
_COST_WORDS = re.compile(
    r"\b(cost|costs|costing|spend|spending|spent|bill|billed|billing|invoice|invoiced|charge|"
    r"charges|charged|price|priced|pricing|expensive|cheap|cheaper|money|dollars?|usd|eur|"
    r"amortized|unblended|fees?|paid|pay|paying|budget|rising|rose|falling|fell|increase|"
    r"increased|decrease|decreased|grew|growth|drop|dropped|spike|spiked|top|biggest|largest|"
    r"breakdown|total|much|services?|accounts?|regions?|daily|monthly|trend|compare|vs|versus)\b"
    r"|\$"
)

# --------------------------------------------------------------------------- intents

_RISING = re.compile(
    r"\b(ris(e|es|ing)|rose|increas(e|ed|es|ing)|gr(ew|ow|owing|own|owth)|went\s+up|"
    r"gone\s+up|go(ing)?\s+up|up\s+the\s+most|spik(e|ed|es|ing)|jump(ed|s)?|climb(ed|ing|s)?|"
    r"surg(e|ed|ing))\b"
)
_FALLING = re.compile(
    r"\b(fall(ing|s)?|fell|decreas(e|ed|es|ing)|drop(ped|s|ping)?|declin(e|ed|ing)|"
    r"went\s+down|gone\s+down|go(ing)?\s+down|shr(ank|ink|unk|inking)|down\s+the\s+most|"
    r"reduc(ed|tion)|sav(ed|ing)\s+the\s+most|cut|cuts|trimmed|lowered)\b"
)
_COMPARE = re.compile(r"\b(compare|compared|comparison|vs\.?|versus|against)\b")
_MAX_DAY = re.compile(
    r"\b(which|what)\s+(single\s+)?day\b|\bon\s+which\s+day\b|"
    r"\b(most\s+expensive|highest|peak|biggest|costliest|worst|max(imum)?)\s+(single\s+)?day\b"
    r"|\bday\s+(with\s+the\s+)?(highest|most|biggest|peak)\b"
)
_SERIES_DAY = re.compile(
    r"\b(per[\s-]day|daily|each\s+day|by\s+day|day[\s-]by[\s-]day|every\s+day|day[\s-]on[\s-]day)\b"
)
_SERIES_MONTH = re.compile(
    r"\b(per[\s-]month|monthly|each\s+month|by\s+month|month[\s-]by[\s-]month|"
    r"month[\s-]on[\s-]month|month[\s-]over[\s-]month)\b"
)
_TREND = re.compile(r"\b(trend|over\s+time|evolution|history|time\s+series)\b")
_COUNT = re.compile(r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\s+(of\s+)?(the\s+)?")
_TOP = re.compile(
    r"\b(top|biggest|largest|most\s+expensive|highest|costliest|priciest|major|main|leading|"
    r"heaviest)\b|\bthe\s+most\b"
)
_BREAKDOWN = re.compile(
    r"\b(by|per|each|breakdown|break\s+down|broken\s+down|split|grouped|group\s+by|across|"
    r"which|what)\b"
)

_FINDINGS: tuple[tuple[re.Pattern[str], Intent], ...] = (
    (re.compile(r"\bbudgets?\b"), "budgets"),
    (
        re.compile(
            r"\b(forecast(ed|s)?|project(ed|ion|ions)|predict(ed|ion|s)?|month[\s-]end|"
            r"end\s+of\s+(the\s+)?month|will\s+we\s+(spend|end)|expected\s+to\s+spend|"
            r"on\s+track\s+to)\b"
        ),
        "forecast",
    ),
    (re.compile(r"\b(anomal(y|ies|ous)|unusual|outliers?|unexpected|abnormal)\b"), "anomalies"),
    (
        re.compile(
            r"\b(realized|realised|saved|savings\s+(to\s+date|so\s+far|realized|tracked)|"
            r"how\s+much\s+(have|did)\s+we\s+save)\b"
        ),
        "savings",
    ),
    (
        re.compile(
            r"\b(recommendations?|rightsiz\w*|right-siz\w*|idle|underutili[sz]ed|"
            r"over-?provisioned|waste|wasted|wasting|could\s+(we\s+)?save|save\s+money|"
            r"savings?\s+opportunit(y|ies)|opportunit(y|ies)\s+to\s+save|cut\s+costs?)\b"
        ),
        "recommendations",
    ),
)

# --------------------------------------------------------------------------- groups

_GROUPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\busage\s+types?\b"), "usage_type"),
    (re.compile(r"\bcharge\s+(categor(y|ies)|types?)\b"), "charge_category"),
    (re.compile(r"\bservice\s+categor(y|ies)\b"), "service_category"),
    (re.compile(r"\bpricing\s+(categor(y|ies)|models?)\b"), "pricing_category"),
    (re.compile(r"\bbilling\s+accounts?\b|\bpayer\s+accounts?\b"), "billing_account"),
    (re.compile(r"\b(services?|products?)\b"), "service"),
    (re.compile(r"\b(accounts?|linked\s+accounts?|sub-?accounts?)\b"), "account"),
    (re.compile(r"\bregions?\b"), "region"),
    (re.compile(r"\bresources?\b"), "resource"),
)
_TAG_GROUP = (
    re.compile(r"\btag[:\s]+([A-Za-z0-9_.:/+@-]+)"),
    re.compile(r"\bby\s+(?:the\s+)?([A-Za-z0-9_.:/+@-]+)\s+tag\b"),
    re.compile(r"\bper\s+(?:the\s+)?([A-Za-z0-9_.:/+@-]+)\s+tag\b"),
    re.compile(r"\b([A-Za-z0-9_.:/+@-]+)\s+tag\b"),
)
_TAG_FILTER = re.compile(
    r"\btag(?:ged)?\s+(?:with\s+)?([A-Za-z0-9_.:/+@-]+)\s*(?:=|:|\bis\b|\bof\b)\s*"
    r"['\"]?([A-Za-z0-9_.:/+@-]+)"
)
_REGION = re.compile(r"\b([a-z]{2}(?:-gov)?-[a-z]+-\d)\b")
_ACCOUNT = re.compile(r"\b(\d{12})\b")
_ISO = r"(\d{4}-\d{2}-\d{2})"


@dataclass
class _Reading:
    """What has been read from the question so far."""

    text: str
    as_of: dt.date
    assumptions: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- windows


def _month_window(year: int, month: int, as_of: dt.date) -> Window:
    start = dt.date(year, month, 1)
    end = add_months(start, 1)
    name = f"{calendar.month_name[month]} {year}"
    if end > as_of > start:
        return Window(start=start, end=as_of, label=f"{name} to date")
    return Window(start=start, end=end, label=name)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text]


def _parse_iso(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


_Found = tuple[Window | None, Window | None, str | None]


def _dated_window(text: str, as_of: dt.date) -> _Found | None:
    """Windows given as ISO dates: a range, "since", one day."""
    found = re.search(rf"\b(?:from|between)\s+{_ISO}\s+(?:to|and|until|through|-)\s+{_ISO}", text)
    if found:
        first, last = _parse_iso(found.group(1)), _parse_iso(found.group(2))
        if first is None or last is None:
            return None, None, "one of the dates is not a real date (expected YYYY-MM-DD)"
        if last < first:
            return None, None, "the second date is before the first"
        return (
            Window(start=first, end=last + dt.timedelta(days=1), label=f"{first} to {last}"),
            None,
            None,
        )
    found = re.search(rf"\b(?:since|from|after)\s+{_ISO}", text)
    if found:
        first = _parse_iso(found.group(1))
        if first is None or first >= as_of:
            return None, None, "the start date must be a real date before today"
        return Window(start=first, end=as_of, label=f"since {first}"), None, None
    found = re.search(rf"\b(?:on|for)?\s*{_ISO}", text)
    if found and _parse_iso(found.group(1)):
        day = _parse_iso(found.group(1))
        assert day is not None
        return Window(start=day, end=day + dt.timedelta(days=1), label=str(day)), None, None

    return None


def _relative_window(text: str, as_of: dt.date) -> _Found | None:
    """ "last N days / weeks / months / years"."""
    found = re.search(
        rf"\b(?:last|past|previous|trailing|prior)\s+{_NUM}\s+(days?|weeks?|months?|years?)\b", text
    )
    if found:
        count, unit = _number(found.group(1)), found.group(2)
        if count < 1:
            return None, None, "a window needs at least one day"
        if unit.startswith("day"):
            start = as_of - dt.timedelta(days=count)
            return Window(start=start, end=as_of, label=f"the last {count} days"), None, None
        if unit.startswith("week"):
            start = as_of - dt.timedelta(days=7 * count)
            return Window(start=start, end=as_of, label=f"the last {count} weeks"), None, None
        first = as_of.replace(day=1)
        if unit.startswith("month"):
            return (
                Window(
                    start=add_months(first, -count), end=first, label=f"the last {count} months"
                ),
                None,
                None,
            )
        return (
            Window(
                start=dt.date(as_of.year - count, 1, 1),
                end=dt.date(as_of.year, 1, 1),
                label=f"the last {count} years",
            ),
            None,
            None,
        )
    return None


def _calendar_window(text: str, as_of: dt.date) -> _Found | None:
    """This / last month, week, year; yesterday, today; a quarter."""
    if re.search(
        r"\b(this|current)\s+month\b|\bmonth[\s-]to[\s-]date\b|\bmtd\b|\bso\s+far\s+this\s+month\b",
        text,
    ):
        first = as_of.replace(day=1)
        if first == as_of:
            return None, None, "this month has no complete day yet; ask about last month"
        return Window(start=first, end=as_of, label="this month to date"), None, None
    if re.search(r"\b(last|previous|prior|past)\s+month\b", text):
        first = add_months(as_of.replace(day=1), -1)
        return _month_window(first.year, first.month, as_of), None, None
    if re.search(r"\b(this|current)\s+week\b|\bweek[\s-]to[\s-]date\b", text):
        monday = as_of - dt.timedelta(days=as_of.weekday())
        if monday == as_of:
            return None, None, "this week has no complete day yet; ask about last week"
        return Window(start=monday, end=as_of, label="this week to date"), None, None
    if re.search(r"\b(last|previous|prior|past)\s+week\b", text):
        monday = as_of - dt.timedelta(days=as_of.weekday() + 7)
        return (
            Window(start=monday, end=monday + dt.timedelta(days=7), label="last week"),
            None,
            None,
        )
    if re.search(r"\byesterday\b", text):
        day = as_of - dt.timedelta(days=1)
        return Window(start=day, end=as_of, label=f"yesterday ({day})"), None, None
    if re.search(r"\btoday\b", text):
        return Window(start=as_of, end=as_of + dt.timedelta(days=1), label="today"), None, None
    if re.search(r"\b(this|current)\s+year\b|\byear[\s-]to[\s-]date\b|\bytd\b", text):
        first = dt.date(as_of.year, 1, 1)
        if first == as_of:
            return None, None, "this year has no complete day yet; ask about last year"
        return Window(start=first, end=as_of, label=f"{as_of.year} to date"), None, None
    if re.search(r"\b(last|previous|prior|past)\s+year\b", text):
        year = as_of.year - 1
        return (
            Window(start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1), label=str(year)),
            None,
            None,
        )
    found = re.search(r"\bq([1-4])\s*(?:of\s+)?(\d{4})?\b", text)
    if found:
        quarter = int(found.group(1))
        year = int(found.group(2)) if found.group(2) else _latest_year_for(as_of, 3 * quarter - 2)
        start = dt.date(year, 3 * quarter - 2, 1)
        end = add_months(start, 3)
        if start >= as_of:
            return None, None, f"Q{quarter} {year} has not started yet"
        return Window(start=start, end=min(end, as_of), label=f"Q{quarter} {year}"), None, None
    return None


_SIDES = re.compile(r"\b(?:vs\.?|versus|against|compared\s+(?:to|with)|to|and|with)\b")


def _one_window(part: str, as_of: dt.date) -> Window | None:
    """The window one side of a comparison names, if it names one (no default)."""
    for reader in (_dated_window, _relative_window, _calendar_window):
        found = reader(part, as_of)
        if found is not None:
            return found[0]
    named = re.search(rf"\b{_MONTH_RE}\b(?:\s+(\d{{4}}))?", part)
    if named and not (named.group(1) == "may" and not _looks_like_month_may(part)):
        return _named_month(named.group(1), named.group(2), as_of)
    return None


def _two_windows(text: str, as_of: dt.date) -> _Found | None:
    """ "this month vs last month", "compare Q2 2026 and Q3 2026": the later window and the
    earlier one as its base."""
    if not _COMPARE.search(text):
        return None
    windows = [w for part in _SIDES.split(text) if (w := _one_window(part, as_of)) is not None]
    if len(windows) < 2:
        return None
    first, second = sorted(windows[:2], key=lambda w: w.start)
    return second, first, None


def _window(reading: _Reading) -> _Found:
    """(window, explicit previous window, problem). A problem is a clarifying message."""
    text, as_of = reading.text, reading.as_of
    for reader in (_dated_window, _two_windows):
        found_window = reader(text, as_of)
        if found_window is not None:
            return found_window
    # two named months: "compare march and april", "october vs september"
    months = [
        (m.group(1), m.group(2))
        for m in re.finditer(rf"\b{_MONTH_RE}\b(?:\s+(\d{{4}}))?", text)
        if not (m.group(1) == "may" and not m.group(2) and not _looks_like_month_may(text))
    ]
    if (len(months) >= 2 and _COMPARE.search(text)) or (len(months) >= 2 and " and " in text):
        windows = [_named_month(name, year, as_of) for name, year in months[:2]]
        windows.sort(key=lambda w: w.start)
        return windows[1], windows[0], None

    for reader in (_relative_window, _calendar_window):
        found_window = reader(text, as_of)
        if found_window is not None:
            return found_window
    if months:
        window = _named_month(months[0][0], months[0][1], as_of)
        if window.start >= as_of:
            return None, None, f"{window.label} has not started yet"
        return window, None, None
    start = as_of - dt.timedelta(days=DEFAULT_DAYS)
    reading.assumptions.append(f"no period named: the last {DEFAULT_DAYS} days")
    return Window(start=start, end=as_of, label=f"the last {DEFAULT_DAYS} days"), None, None


def _looks_like_month_may(text: str) -> bool:
    return bool(re.search(r"\b(in|for|during|of|since|from|and|vs|versus)\s+may\b", text))


def _latest_year_for(as_of: dt.date, month: int) -> int:
    """The year of the most recent ``month`` that started before ``as_of``."""
    return as_of.year if dt.date(as_of.year, month, 1) < as_of else as_of.year - 1


def _named_month(name: str, year_text: str | None, as_of: dt.date) -> Window:
    month = _MONTHS[name]
    year = int(year_text) if year_text else _latest_year_for(as_of, month)
    return _month_window(year, month, as_of)


def _previous(window: Window) -> Window:
    """The window just before: the previous calendar month for a calendar month, else the same
    number of days."""
    start, end = window.start, window.end
    if start.day == 1 and end == add_months(start, 1):
        before = add_months(start, -1)
        return Window(
            start=before,
            end=start,
            label=f"{calendar.month_name[before.month]} {before.year}",
        )
    days = (end - start).days
    return Window(
        start=start - dt.timedelta(days=days),
        end=start,
        label=f"the {days} days before",
    )


# --------------------------------------------------------------------------- metric, n, group


def _metric(text: str) -> PlanMetric:
    if re.search(r"\b(billed|invoiced?|unblended|on\s+the\s+bill|billing\s+cost)\b", text):
        return "billed_cost"
    if re.search(
        r"\b(list\s+(price|cost|prices|costs)|on[\s-]demand\s+(price|cost|rate)s?|public\s+price)",
        text,
    ):
        return "list_cost"
    return "effective_cost"


def _n(text: str) -> int | None:
    found = re.search(rf"\btop\s*[-\s]?{_NUM}\b", text) or re.search(
        rf"\b{_NUM}\s+(?:biggest|largest|most\s+expensive|highest|costliest|top|fastest|"
        r"services?|accounts?|regions?|resources?|usage\s+types?|teams?|products?)\b",
        text,
    )
    if found is None:
        found = re.search(rf"\b{_NUM}\s+(?:[a-z-]+\s+){{0,3}}recommendations\b", text)
    if found:
        return _number(found.group(1))
    return None


#: Words for an organisation's units; grouped by the tag key of that name when one exists.
_ORG_WORDS = (
    "team",
    "department",
    "project",
    "owner",
    "env",
    "environment",
    "application",
    "app",
    "cost center",
    "cost centre",
    "business unit",
    "product",
    "customer",
)


def _org_group(text: str, vocabulary: Vocabulary) -> tuple[str | None, str | None]:
    """(tag:<key>, problem): "by team", "top teams", "which teams" group by a tag key of that
    name; an organisation word with no such tag key is a problem (a clarifying question)."""
    for word in _ORG_WORDS:
        pattern = (
            rf"\b(by|per|each|top|which|what|across)\s+(the\s+|our\s+|all\s+)?{word}s?\b"
            rf"|\b{word}s\b"
        )
        if re.search(pattern, text):
            key = _tag_key(word, vocabulary)
            if key:
                return f"tag:{key}", None
            return None, (
                f"no resource carries a {word!r} tag; tag keys in the data: "
                + ", ".join(vocabulary.tag_keys[:20])
            )
    return None, None


def _group(text: str, vocabulary: Vocabulary) -> str | None:
    # "account 111111111111" and "region us-east-1" name filters, not groupings; "across all
    # of our accounts" is the whole estate
    text = re.sub(
        r"\bacross\s+all\s+(of\s+)?(our\s+|the\s+)?(accounts|regions|services)\b", " ", text
    )
    text = re.sub(r"\b(accounts?|linked\s+accounts?)\s+(?:id\s+)?\d{12}\b", " ", text)
    text = re.sub(r"\bregions?\s+[a-z]{2}(?:-gov)?-[a-z]+-\d\b", " ", text)
    for pattern in _TAG_GROUP:
        found = pattern.search(text)
        if found:
            key = _tag_key(found.group(1), vocabulary)
            if key and not _TAG_FILTER.search(text):
                return f"tag:{key}"
    org, _problem = _org_group(text, vocabulary)
    if org:
        return org
    for pattern, dimension in _GROUPS:
        if pattern.search(text):
            return dimension
    for word in _words(text):  # a misspelt group word: "acount", "servcies"
        close = difflib.get_close_matches(word, list(_GROUP_WORDS), 1, 0.85)
        if close and len(word) >= 6:
            return _GROUP_WORDS[close[0]]
    return None


_GROUP_WORDS = {
    "account": "account",
    "accounts": "account",
    "service": "service",
    "services": "service",
    "region": "region",
    "regions": "region",
}


def _tag_key(word: str, vocabulary: Vocabulary) -> str | None:
    keys = {k.lower(): k for k in vocabulary.tag_keys}
    return keys.get(word.lower().rstrip("s")) or keys.get(word.lower())


# --------------------------------------------------------------------------- names


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text)


def _service_filter(text: str, vocabulary: Vocabulary) -> tuple[list[str], str | None]:
    """The service names the question names, and a problem when it names one not in the data."""
    found: list[str] = []
    missing: list[str] = []
    for alias, phrase in SERVICE_ALIASES.items():
        if re.search(rf"\b{re.escape(alias)}\b", text):
            matches = vocabulary.services_matching(phrase)
            if matches:
                found.extend(matches)
            elif alias not in {"compute", "storage", "database", "databases", "instances"}:
                missing.append(alias)
    words = _words(text)
    for name in vocabulary.services:
        tokens = [t for t in _words(name.lower()) if t not in {"amazon", "aws"}]
        if not tokens:
            continue
        if name in found:
            continue
        if _phrase_close(tokens, words):
            found.append(name)
    problem = None
    if missing and not found:
        problem = (
            f"there is no cost for {', '.join(missing)} in the data; services that have costs: "
            + ", ".join(vocabulary.services[:12])
        )
    return sorted(set(found)), problem


def _phrase_close(tokens: list[str], words: list[str]) -> bool:
    """Whether the question holds ``tokens`` in order, each word spelled closely (a typo)."""
    size = len(tokens)
    if size == 1 and len(tokens[0]) < 5:
        return tokens[0] in words
    for i in range(len(words) - size + 1):
        window = words[i : i + size]
        if all(
            a == b or (len(a) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.8)
            for a, b in zip(tokens, window, strict=True)
        ):
            return True
    return False


def _typo_aliases(text: str, vocabulary: Vocabulary) -> list[str]:
    """Service names whose short alias is misspelled ("lamda", "cloudwach")."""
    found: list[str] = []
    for word in _words(text):
        if len(word) < 5 or word in SERVICE_ALIASES:
            continue
        close = difflib.get_close_matches(word, [a for a in SERVICE_ALIASES if len(a) >= 5], 1, 0.8)
        if close:
            found.extend(vocabulary.services_matching(SERVICE_ALIASES[close[0]]))
    return found


def _filters(text: str, vocabulary: Vocabulary) -> tuple[dict[str, list[str]], str | None]:
    filters: dict[str, list[str]] = {}
    services, problem = _service_filter(text, vocabulary)
    services = sorted(set(services) | set(_typo_aliases(text, vocabulary)))
    if services:
        filters["service"] = services
        problem = None
    regions = list(_REGION.findall(text))
    if regions:
        unknown = [r for r in regions if r not in vocabulary.regions]
        if unknown and vocabulary.regions:
            return filters, (
                f"no cost in region {', '.join(unknown)}; regions with costs: "
                + ", ".join(vocabulary.regions)
            )
        filters["region"] = sorted(set(regions))
    accounts = _ACCOUNT.findall(text)
    if accounts:
        unknown = [a for a in accounts if a not in vocabulary.accounts]
        if unknown and vocabulary.accounts:
            return filters, (
                f"no cost in account {', '.join(unknown)}; accounts with costs: "
                + ", ".join(vocabulary.accounts[:12])
            )
        filters["account"] = sorted(set(accounts))
    for key, value in _TAG_FILTER.findall(text):
        real = _tag_key(key, vocabulary)
        if real is None and vocabulary.tag_keys:
            return filters, (
                f"no resource carries the tag key {key!r}; tag keys in the data: "
                + ", ".join(vocabulary.tag_keys[:20])
            )
        filters.setdefault(f"tag:{real or key}", []).append(value)
    return filters, problem


# --------------------------------------------------------------------------- the reader


_OFF_TOPIC = re.compile(
    r"\b(write|compose|tell|sing|draw|generate)\s+(me\s+)?(a\s+|an\s+|some\s+)?"
    r"(poem|story|joke|song|essay|haiku|limerick|picture|image|code|script)\b|"
    r"\btranslate\b|\bweather\b|\brecipe\b"
)


_FOLLOW_UP = re.compile(
    r"^(and\s+|so\s+|ok\s+|same\s+(again\s+)?)?((what|which|how)\b|for\b|the\b)?.*"
    r"\b(it|that|this|one|other|those|these|them|previous|second|same|again|thing|things)\b"
    r"[\s?.!]*$"
)
#: Clouds and products whose costs the platform does not hold (AWS billing data only).
_OTHER_CLOUDS = re.compile(
    r"\b(google|gcp|bigquery|azure|cosmos|oracle|oci|alibaba|ibm\s+cloud|digitalocean|"
    r"snowflake|databricks)\b"
)


def _follow_up(text: str) -> bool:
    """A short follow-up that points at an earlier answer ("and the other one?", "same thing
    for the week before"): the reader keeps no conversation, so it asks for the whole question."""
    words = len(text.split())
    if words <= 10 and re.match(
        r"^(and\s+)?(the\s+)?same(\s+thing|\s+again|\s+but|\s+for)\b", text
    ):
        return True
    return words <= 8 and bool(_FOLLOW_UP.match(text))


def _refusal(text: str) -> str | None:
    if _SQL.search(text):
        return "I do not run SQL: ask in words, and I answer through the platform's cost queries."
    if _INJECTION.search(text):
        return "I only answer questions about your cloud costs; I cannot change my instructions."
    if _OFF_TOPIC.search(text):
        return (
            "That is not a question about cloud costs; I answer questions such as "
            "'How much did we spend on EC2 last month?'"
        )
    if _WRITE.search(text) or _WRITE_ANYWHERE.search(text):
        return (
            "I only read costs; I never change resources, budgets or data. Changes go through "
            "remediation policies with an approval, or the budgets API."
        )
    return None


def _intent(text: str, group: str | None) -> Intent:
    if _MAX_DAY.search(text):
        return "max_day"
    if _COUNT.search(text) and group:
        return "count"
    if _RISING.search(text) and not _FALLING.search(text):
        return "rising"
    if _FALLING.search(text) and not _RISING.search(text):
        return "falling"
    if _COMPARE.search(text) or re.search(r"\bthan\s+(last|the\s+previous|previous)\b", text):
        return "compare"
    if _SERIES_DAY.search(text) or _SERIES_MONTH.search(text) or _TREND.search(text):
        return "series"
    if group and (_TOP.search(text) or _n(text) is not None):
        return "top"
    if group and _BREAKDOWN.search(text):
        return "breakdown"
    return "total"


def screen_question(text: str, vocabulary: Vocabulary) -> ParseOutcome | None:
    """An empty, hostile or off-topic question's outcome; ``None`` for a cost question."""
    if not text:
        return ParseOutcome(
            status="clarify",
            message="Ask a question about your costs, for example: 'Top 5 services last month?'",
            options=_EXAMPLES,
        )
    refusal = _refusal(text)
    if refusal:
        return ParseOutcome(status="refused", message=refusal)
    other = _OTHER_CLOUDS.search(text)
    if other:
        return ParseOutcome(
            status="clarify",
            message=f"The platform holds AWS billing data; there is no cost for "
            f"{other.group(1)}. Services with costs: " + ", ".join(vocabulary.services[:12]),
            options=vocabulary.services[:12],
        )
    if _follow_up(text) and not re.search(r"\b(cost|costs|spend|spent|bill|billed)\b", text):
        return ParseOutcome(
            status="clarify",
            message="Which figure and period? I answer each question on its own, e.g. "
            "'EC2 cost last month'.",
            options=_EXAMPLES,
        )
    names_a_service = any(re.search(rf"\b{re.escape(a)}\b", text) for a in SERVICE_ALIASES)
    about_costs = (
        any(pattern.search(text) for pattern in (_COST_WORDS, _RISING, _FALLING, _MAX_DAY, _COUNT))
        or _finding(text) is not None
        or re.search(r"\btag(ged|s)?\b", text) is not None
    )
    if not about_costs and not names_a_service and not _filters(text, vocabulary)[0]:
        return ParseOutcome(
            status="refused",
            message="That is not a question about cloud costs; I answer questions such as "
            "'How much did we spend on EC2 last month?'",
        )
    return None


def _granularity(text: str, window: Window) -> Literal["day", "month"]:
    if _SERIES_MONTH.search(text):
        return "month"
    if _SERIES_DAY.search(text):
        return "day"
    return "day" if window.days <= 62 else "month"


def _names_one_service_only(text: str, filters: dict[str, list[str]]) -> bool:
    """ "EC2 cost last month": one service named is a filter, not a grouping by service."""
    return (
        set(filters) == {"service"}
        and len(filters["service"]) == 1
        and not re.search(r"\b(by|per|each|which|what)\s+services?\b|\bservices\b", text)
    )


def _plan(
    reading: _Reading,
    window: Window,
    previous: Window | None,
    filters: dict[str, list[str]],
    vocabulary: Vocabulary,
) -> QueryPlan:
    text = reading.text
    group = _group(text, vocabulary)
    if group == "service" and _names_one_service_only(text, filters):
        group = None
    intent = _intent(text, group)
    if previous is not None and intent not in {"rising", "falling"}:
        intent = "compare"
    ranked = intent in {"top", "rising", "falling"}
    if intent in {"rising", "falling"} and group is None:
        reading.assumptions.append("grouped by service")
    if ranked and group is None:
        group = "service"
    if intent in {"total", "compare", "series", "max_day"}:
        group = None
    if intent in {"rising", "falling", "compare"} and previous is None:
        previous = _previous(window)
    return QueryPlan(
        intent=intent,
        window=window,
        previous_window=previous if intent in {"rising", "falling", "compare"} else None,
        metric=_metric(text),
        group_by=group,
        filters=filters,
        n=(_n(text) or DEFAULT_N) if ranked else None,
        granularity=_granularity(text, window) if intent == "series" else None,
    )


def _finding(text: str) -> Intent | None:
    """The findings intent a question asks about (budgets, forecast, anomalies, savings,
    recommendations), if any."""
    for pattern, intent in _FINDINGS:
        if pattern.search(text):
            return intent
    return None


def _finding_outcome(intent: Intent, reading: _Reading, vocabulary: Vocabulary) -> ParseOutcome:
    text, as_of = reading.text, reading.as_of
    filters, problem = _filters(text, vocabulary)
    if problem:
        return ParseOutcome(status="clarify", message=problem, options=vocabulary.services[:12])
    window: Window | None = None
    if intent == "anomalies":
        window, _previous_window, problem = _window(reading)
        if problem or window is None:
            return ParseOutcome(
                status="clarify",
                message=f"Which period? {problem or ''}".strip(),
                options=("the last 30 days", "last month", "this month to date"),
            )
    elif intent == "forecast":
        if re.search(r"\bnext\s+(month|quarter|year)\b", text):
            return ParseOutcome(
                status="clarify",
                message="I project the current month only (actual to date plus the stored "
                "forecast of the rest).",
                options=("What is the projected cost for this month?",),
            )
        first = as_of.replace(day=1)
        end = add_months(first, 1)
        window = Window(
            start=first, end=end, label=f"{calendar.month_name[first.month]} {first.year}"
        )
    kept = {k: v for k, v in filters.items() if k in {"account", "service"}}
    n = _n(text) if intent in {"recommendations", "anomalies"} else None
    plan = QueryPlan(intent=intent, window=window, filters=kept, n=n)
    return ParseOutcome(status="answered", plan=plan, assumptions=tuple(reading.assumptions))


def parse_question(question: str, *, as_of: dt.date, vocabulary: Vocabulary) -> ParseOutcome:
    """Read ``question`` asked on ``as_of`` (see the module docstring for the rules)."""
    text = " ".join(question.lower().replace("\u2019", "'").split())
    screened = screen_question(text, vocabulary)
    if screened is not None:
        return screened
    reading = _Reading(text=text, as_of=as_of)
    finding = _finding(text)
    if finding is not None:
        return _finding_outcome(finding, reading, vocabulary)
    window, previous, problem = _window(reading)
    if problem or window is None:
        return ParseOutcome(
            status="clarify",
            message=f"Which period? {problem or ''}".strip(),
            options=("the last 30 days", "last month", "this month to date"),
        )
    filters, problem = _filters(text, vocabulary)
    if problem is None and not _TAG_GROUP[0].search(text):
        _org, problem = _org_group(text, vocabulary)
    if problem:
        return ParseOutcome(status="clarify", message=problem, options=vocabulary.services[:12])
    try:
        plan = _plan(reading, window, previous, filters, vocabulary)
    except ValidationError as exc:
        return ParseOutcome(
            status="clarify",
            message=f"I could not build a query from that: {exc.errors()[0]['msg']}",
            options=_EXAMPLES,
        )
    return ParseOutcome(status="answered", plan=plan, assumptions=tuple(reading.assumptions))


_EXAMPLES = (
    "How much did we spend last month?",
    "Top 5 services with rising cost last 60 days?",
    "EC2 cost per day this month",
    "Compare October and September",
)
