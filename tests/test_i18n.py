"""Everything a user sees exists in Chinese and English: every message in the code is translated."""
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_extracted_message_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-k", "lazy_gettext", "-o", str(pot), str(ROOT)])
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        english = {(m.id if isinstance(m.id, str) else m.id[0]): m.string
                   for m in read_po(f, locale="en") if m.id}
    missing = sorted(m for m in wanted if not english.get(m))
    assert not missing, \
        "messages without English (run tools/i18n.py update, then fill):\n" + "\n".join(missing)
    assert len(wanted) > 300


def test_tenant_labels_exist_in_both_languages(app):
    from ipservice.tenants import registry

    for tenant in list(registry.of(app).values()):
        assert tenant.name_zh and tenant.name_en and tenant.bureau_en
        for ind in tenant.indicators:
            assert ind.name_zh and ind.name_en, ind.code
        for rule in tenant.rules:
            assert rule.name_zh and rule.name_en, rule.code
        for center in tenant.part("case").centers:
            assert center.name_en, center.code
