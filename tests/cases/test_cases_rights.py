"""Right numbers: Chinese patent application numbers with their check digit, trademarks, free text.

The patent numbers below are real, published application numbers (patent certificates, CNIPA
publications) found in public sources; their check characters were verified by hand with the CNIPA rule
(weights 2…9, 2…5 over the digits before the check character, modulo 11, 10 → X).
"""
import pytest
from marshmallow import ValidationError

from ipservice.cases.rights import parse_right_number, parse_trademark_number
from ipservice.core.identifiers import parse_patent_application_number, patent_check_character
from tests.cases.conftest import case_body

REAL = [
    # (as written in the source, normalized, formatted, kind)
    ("ZL202010566088.9", "2020105660889", "202010566088.9", "invention"),
    ("ZL2015 1 0958772.0", "2015109587720", "201510958772.0", "invention"),
    ("ZL2005 10096239.4", "2005100962394", "200510096239.4", "invention"),
    ("ZL201811564288.X", "201811564288X", "201811564288.X", "invention"),
    ("201710601862.3", "2017106018623", "201710601862.3", "invention"),
    ("2022106357271", "2022106357271", "202210635727.1", "invention"),          # CN114911801A
    ("ZL202322865413.3", "2023228654133", "202322865413.3", "utility_model"),
    ("2023211609569", "2023211609569", "202321160956.9", "utility_model"),      # CN219910140U
    ("2016300227706", "2016300227706", "201630022770.6", "design"),
    ("CN 2016300227674", "2016300227674", "201630022767.4", "design"),
    ("97101765.4", "971017654", "97101765.4", "invention"),                     # pre-2003 format
    ("ZL95115608.X", "95115608X", "95115608.X", "invention"),
]


@pytest.mark.parametrize("raw,normalized,formatted,kind", REAL)
def test_real_patent_application_numbers_are_accepted_and_normalized(app, raw, normalized, formatted, kind):
    with app.test_request_context():
        parsed = parse_patent_application_number(raw)
    assert (parsed.normalized, parsed.formatted, parsed.kind) == (normalized, formatted, kind)


@pytest.mark.parametrize("variant", ["202010566088.9", "2020105660889", "ZL202010566088.9", "ZL2020105660889",
                                     "zl 202010566088.9", "CN202010566088.9", "ZL：202010566088.9",
                                     " 2020 1056 6088.9 ", "２０２０１０５６６０８８．９"])
def test_prefix_dot_spaces_and_full_width_digits_are_accepted(app, variant):
    with app.test_request_context():
        assert parse_patent_application_number(variant).formatted == "202010566088.9"


def _altered(number: str) -> list[str]:
    body, check = number.replace(".", "")[:-1], number.replace(".", "")[-1]
    return [body + c for c in "0123456789X" if c != check]


@pytest.mark.parametrize("raw", [r[0] for r in REAL])
def test_every_altered_check_character_is_refused(app, raw):
    normalized = next(r[1] for r in REAL if r[0] == raw)
    with app.test_request_context():
        for bad in _altered(normalized):
            with pytest.raises(ValidationError, match="校验位"):
                parse_patent_application_number(bad)


def test_a_swapped_digit_is_caught(app):
    with app.test_request_context(), pytest.raises(ValidationError, match="校验位"):
        parse_patent_application_number("202010656088.9")  # 5 and 6 swapped


@pytest.mark.parametrize("body", ["202040566088", "202050566088", "202000566088", "202060566088",
                                  "202070566088"])
def test_bad_type_digit_is_refused_even_with_a_matching_check_digit(app, body):
    number = body + patent_check_character(body)
    with app.test_request_context(), pytest.raises(ValidationError, match="第 5 位"):
        parse_patent_application_number(number)


def test_old_format_type_digit_is_the_third(app):
    body = "97401765"
    with app.test_request_context(), pytest.raises(ValidationError, match="第 3 位"):
        parse_patent_application_number(body + patent_check_character(body))


@pytest.mark.parametrize("bad", ["", "12345", "20201056608.9", "2020105660889X", "ZLABCDEFGHIJK",
                                 "2020-10566088-9-1",
                                 "202010566088.99", "X02010566088.9"])
def test_malformed_patent_numbers_are_refused(app, bad):
    with app.test_request_context(), pytest.raises(ValidationError):
        parse_patent_application_number(bad)


def test_impossible_years_are_refused(app):
    with app.test_request_context():
        for body in ("199910123456", "299910123456"):  # new format before 2003, or in the future
            with pytest.raises(ValidationError, match="年份"):
                parse_patent_application_number(body + patent_check_character(body))
        body = "50101765"  # old format, year 50
        with pytest.raises(ValidationError, match="年份"):
            parse_patent_application_number(body + patent_check_character(body))


def test_check_character_rule():
    assert patent_check_character("201710601862") == "3"
    assert patent_check_character("95115608") == "X"
    assert patent_check_character("97101765") == "4"


@pytest.mark.parametrize("raw,expected", [("12345678", "12345678"), ("1", "1"), ("第 4567890 号", "4567890"),
                                          ("1234 5678", "12345678"), ("１２３４５", "12345")])
def test_trademark_registration_numbers_are_digits(app, raw, expected):
    with app.test_request_context():
        assert parse_trademark_number(raw).normalized == expected


@pytest.mark.parametrize("bad", ["ABC123", "12345678901", "", "12-34", "第号"])
def test_trademark_numbers_must_be_1_to_10_digits(app, bad):
    with app.test_request_context(), pytest.raises(ValidationError, match="商标注册号"):
        parse_trademark_number(bad)


def test_other_ip_types_are_free_text_within_100_characters(app):
    with app.test_request_context():
        assert parse_right_number("copyright",
                                  " 国作登字-2021-F-00123456 ").formatted == "国作登字-2021-F-00123456"
        assert parse_right_number("plant_variety", "CNA20191234.5").formatted == "CNA20191234.5"
        with pytest.raises(ValidationError):
            parse_right_number("geo_indication", "x" * 101)


def test_api_stores_normalized_and_formatted_and_refuses_altered_check_digit(enterprise):
    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(right_number="ZL2015 1 0958772.0"))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["right_number"] == "201510958772.0"
    assert r.get_json()["right_number_normalized"] == "2015109587720"
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(right_number="ZL2015 1 0958772.1"))
    assert r.status_code == 422
    assert "校验位" in r.get_json()["errors"]["json"]["right_number"][0]
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(right_number="201510958772.1"),
                       headers={"Accept-Language": "en"})
    assert "check" in r.get_json()["errors"]["json"]["right_number"][0].lower()


def test_api_validates_by_ip_type(enterprise):
    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases",
                       json=case_body(ip_type="trademark", right_number="第 12345678 号"))
    assert r.status_code == 201 and r.get_json()["right_number"] == "12345678"
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(ip_type="trademark", right_number="TM12345"))
    assert r.status_code == 422 and "right_number" in r.get_json()["errors"]["json"]
    r = applicant.post("/t/xian/api/v1/cases",
                       json=case_body(ip_type="copyright", right_number="国作登字-2021-F-1"))
    assert r.status_code == 201
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(ip_type="copyright", right_number="x" * 101))
    assert r.status_code == 422
