"""English and German UI, chosen per person (issue "Plan authoring in the browser", item 11).

The catalogue tests read `locale/de/LC_MESSAGES/django.po` with a few lines of Python (no gettext
tools needed) so that a string added without its German translation, a fuzzy guess left in, a
placeholder lost in translation, or a `.po` edited without compiling the `.mo` fails here."""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from planning.models import SwotEntry, UserProfile
from tests.factories import GoalFactory, SwotEntryFactory

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def speaks(user, language: str):
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})
    return user


@pytest.fixture
def plan_content(people):
    GoalFactory(plan=people.plan, department=people.sales, title="Grow ARR")
    SwotEntryFactory(plan=people.plan, kind=SwotEntry.Kind.STRENGTH, title="Loyal customers")
    return people


def page(client, name: str, plan) -> str:
    response = client.get(reverse(name, args=[plan.pk]))
    assert response.status_code == 200, name
    return response.content.decode()


# Page → words only the German UI shows, and their English counterparts.
PAGES = [
    ("plan-home", ["Ziele nach Abteilung", "Überblick", "Abmelden"], ["Goals by department"]),
    ("planning:goal-tree", ["Die Zielkaskade", "Neues Ziel"], ["The goal cascade", "New goal"]),
    (
        "planning:swot-board",
        ["SWOT-Tafel", "Stärken", "Schwächen", "Chancen", "Risiken"],
        ["SWOT board", "Strengths", "Weaknesses", "Opportunities", "Threats"],
    ),
    ("tracking:dashboard-company", ["Unternehmens-Dashboard", "Stand"], ["Company dashboard"]),
    ("tracking:dashboard-department", ["Abteilungs-Dashboard"], ["Department dashboard"]),
    ("tracking:dashboard-finance", ["Finanz-Dashboard"], ["Finance dashboard"]),
    ("tracking:dashboard-dependencies", ["Abhängigkeiten: wer wen blockiert"], ["who blocks whom"]),
]


@pytest.mark.parametrize(("name", "german", "english"), PAGES)
def test_a_german_speaking_member_sees_the_page_in_german(
    plan_content, client_for, name, german, english
):
    html = page(client_for(speaks(plan_content.leader, "de")), name, plan_content.plan)
    assert '<html lang="de">' in html
    for word in german:
        assert word in html, word
    for word in english:
        assert word not in html, word


@pytest.mark.parametrize(("name", "german", "english"), PAGES)
def test_an_english_speaking_member_sees_the_page_in_english(
    plan_content, client_for, name, german, english
):
    html = page(client_for(speaks(plan_content.leader, "en")), name, plan_content.plan)
    assert '<html lang="en">' in html
    for word in english:
        assert word in html, word
    assert "Stärken" not in html and "Ziele nach Abteilung" not in html


def test_status_words_follow_the_language(plan_content, client_for):
    client = client_for(speaks(plan_content.leader, "de"))
    html = page(client, "tracking:dashboard-company", plan_content.plan)
    assert "Im Plan" in html and "Gefährdet" in html and "Im Verzug" in html
    assert "Keine Daten" in html


def test_the_profile_language_wins_over_the_browser(plan_content, client_for):
    client = client_for(speaks(plan_content.viewer, "de"))
    response = client.get(
        reverse("plan-home", args=[plan_content.plan.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Ziele nach Abteilung" in response.content.decode()


def test_without_a_chosen_language_the_browser_decides(plan_content, client_for):
    client = client_for(speaks(plan_content.viewer, ""))
    url = reverse("plan-home", args=[plan_content.plan.pk])
    assert "Ziele nach Abteilung" in client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Goals by department" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_login_page_speaks_german_to_a_german_browser(db, client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Bei OpenAOP anmelden" in html and "Passwort vergessen?" in html
    assert "Sign in to OpenAOP" not in html


def test_the_login_page_speaks_english_by_default(db, client):
    html = client.get(reverse("login")).content.decode()
    assert "Sign in to OpenAOP" in html and "Forgot your password?" in html


def test_preferences_switch_the_language_of_the_next_pages(plan_content, client_for):
    client = client_for(plan_content.head_sales)
    home = reverse("plan-home", args=[plan_content.plan.pk])
    assert "Goals by department" in client.get(home).content.decode()

    response = client.post(reverse("preferences"), {"language": "de"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=plan_content.head_sales).language == "de"
    saved = client.get(response["Location"]).content.decode()
    assert "Ihre Einstellungen sind gespeichert." in saved
    assert "Ziele nach Abteilung" in client.get(home).content.decode()

    client.post(reverse("preferences"), {"language": "en"})
    assert "Goals by department" in client.get(home).content.decode()


def test_the_chosen_language_is_remembered_for_the_login_page(plan_content, client_for):
    client = client_for(plan_content.head_sales)
    client.post(reverse("preferences"), {"language": "de"})
    client.post(reverse("logout"))  # the view, not client.logout(), which drops every cookie
    assert "Bei OpenAOP anmelden" in client.get(reverse("login")).content.decode()

    client.force_login(plan_content.head_sales)
    client.post(reverse("preferences"), {"language": ""})
    client.post(reverse("logout"))
    assert "Sign in to OpenAOP" in client.get(reverse("login")).content.decode()


def test_preferences_offer_each_language_in_its_own_words(people, client_for):
    html = client_for(speaks(people.viewer, "de")).get(reverse("preferences")).content.decode()
    assert ">English</option>" in html and ">Deutsch</option>" in html


def test_preferences_refuse_an_unknown_language(people, client_for):
    client = client_for(people.viewer)
    response = client.post(reverse("preferences"), {"language": "fr"})
    assert response.status_code == 200
    assert not UserProfile.objects.filter(user=people.viewer, language="fr").exists()


# --- the catalogue ---------------------------------------------------------------------------


def po_entries(text: str) -> list[dict[str, str]]:
    """The live entries of a .po file: field name → text, plus "flags" (obsolete `#~` skipped)."""
    entries = []
    for block in text.strip().split("\n\n"):
        entry, field = {"flags": ""}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            else:
                field, _sep, literal = line.partition(" ")
                entry[field] = ast.literal_eval(literal)
        if "msgid" in entry:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict[str, str]]:
    return po_entries(PO.read_text(encoding="utf-8"))


def translations(entry: dict[str, str]) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


def test_the_po_parser_reads_plurals_contexts_and_continued_lines():
    text = (
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "link"\nmsgid "Open"\nmsgstr "Öffnen"\n\n'
        'msgid "%(n)s day"\nmsgid_plural ""\n"%(n)s days"\nmsgstr[0] "%(n)s Tag"\nmsgstr[1] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n'
    )
    header, opened, days = po_entries(text)
    assert header["msgstr"] == "Language: de\n"
    assert opened == {"flags": " fuzzy, python-format", "msgctxt": "link", "msgid": "Open",
                      "msgstr": "Öffnen"}  # fmt: skip
    assert days["msgid_plural"] == "%(n)s days" and translations(days) == ["%(n)s Tag", ""]


def test_the_catalogue_is_german_with_two_plural_forms(catalogue):
    header = catalogue[0]
    assert header["msgid"] == ""
    assert "Language: de\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(catalogue) > 1000


def test_every_entry_is_translated(catalogue):
    untranslated = [e["msgid"] for e in catalogue[1:] if not all(translations(e))]
    assert untranslated == []


def test_no_entry_is_a_fuzzy_guess(catalogue):
    fuzzy = [e["msgid"] for e in catalogue if "fuzzy" in e["flags"]]
    assert fuzzy == []


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for e in catalogue[1:]:
        if "msgid_plural" in e:
            wanted = sorted(PLACEHOLDER.findall(e["msgid_plural"]))
            ok = sorted(PLACEHOLDER.findall(e["msgstr[1]"])) == wanted and set(
                PLACEHOLDER.findall(e["msgstr[0]"])
            ) <= set(wanted) | set(PLACEHOLDER.findall(e["msgid"]))
        else:
            ok = sorted(PLACEHOLDER.findall(e["msgstr"])) == sorted(PLACEHOLDER.findall(e["msgid"]))
        if not ok:
            broken.append(e["msgid"])
    assert broken == []


def test_the_compiled_catalogue_matches_the_po(catalogue):
    """The .mo in git is what Django loads (CI may lack gettext): it must hold every entry."""
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    assert mo.gettext("Strengths") == "Stärken"
    assert mo.pgettext("approved plan", "Baseline") == "Basisplan"
    stale = []
    for e in catalogue[1:]:
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            got = [mo._catalog.get((key, i)) for i in (0, 1)]
            expected = [e["msgstr[0]"], e["msgstr[1]"]]
        else:
            got, expected = mo._catalog.get(key), e["msgstr"]
        if got != expected:
            stale.append(e["msgid"])
    assert stale == [], "run `manage.py compilemessages` and commit the .mo"


def test_msgfmt_accepts_the_catalogue(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


TEMPLATE_STRING = re.compile(
    r"""\{%\s*translate\s+(["'])(.*?)\1(?:\s+context\s+(["'])(.*?)\3)?""", re.S
)
PYTHON_STRING = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)""")


def source_msgids() -> set[tuple[str | None, str]]:
    """The simple literal strings marked in templates and Python: enough to notice a new
    string that nobody ran `makemessages` for."""
    found = set()
    for path in (ROOT / "templates").rglob("*.html"):
        for m in TEMPLATE_STRING.finditer(path.read_text(encoding="utf-8")):
            found.add((m.group(4), m.group(2).replace("%", "%%")))
    for app in ("planning", "tracking", "reviews", "aop_site"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for m in PYTHON_STRING.finditer(path.read_text(encoding="utf-8")):
                found.add((None, ast.literal_eval(f'"{m.group(1)}"')))
    return found


def test_every_marked_string_in_the_source_is_in_the_catalogue(catalogue):
    known = {(e.get("msgctxt"), e["msgid"]) for e in catalogue}
    missing = sorted(s for c, s in source_msgids() - known)
    assert missing == [], "run makemessages -l de, translate, compilemessages"


def test_no_translated_string_hides_inside_an_f_string():
    """makemessages does not look inside f-strings: `f"{_('since')} …"` is never translated."""
    hidden = []
    for app in ("planning", "tracking", "reviews", "aop_site"):
        for path in (ROOT / app).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"""\{\s*(?:_|gettext)\(\s*['"]""", line):
                    hidden.append(f"{path.relative_to(ROOT)}:{number}")
    assert hidden == []
