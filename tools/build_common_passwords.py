"""Rebuild ipservice/accounts/common-passwords.txt, the list of passwords registration refuses.

Source: the "passwords" frequency list that the zxcvbn password-strength estimator ships (Dropbox,
MIT licence; derived from Mark Burnett's 10 million leaked passwords, ordered by frequency), of which
the most frequent entries long enough to pass the length rule are kept, plus the well-known top
passwords of the Chinese leaks (CSDN, 天涯, 2011) and a few generated patterns (one character
repeated, digit runs). The service reads the file at run time and downloads nothing.

    python3 -m pip install --target /tmp/zx zxcvbn==4.5.0
    PYTHONPATH=/tmp/zx python3 tools/build_common_passwords.py
"""
from __future__ import annotations

from pathlib import Path

MIN_LENGTH = 8  # ipservice.accounts.passwords.MIN_LENGTH: shorter ones are refused anyway
KEEP = 4000

CHINESE_TOP = """
123456789 12345678 11111111 dearbook 00000000 123123123 1234567890 88888888 111111111 147258369
987654321 aaaaaaaa 1111111111 66666666 a123456789 11223344 1qaz2wsx xiazhili 789456123 password
87654321 qqqqqqqq 000000000 qwertyuiop qq123456 iloveyou 31415926 12344321 0000000000 asdfghjkl
1q2w3e4r 123456abc 0123456789 123654789 12121212 qazwsxedc abcd1234 12341234 110110110 asdasdasd
123456aa 22222222 123321123 abc123456 a12345678 123456123 a1234567 1234qwer qwertyui 123456789a
woaini1314 5201314520 1314520520 52013145201314 woaiwojia 14789632 aa123456 123456qq 123456789q
zxcvbnm123 q1w2e3r4 1qazxsw2 qweasdzxc 147852369 159357456 woaini520 5211314521 woshishui
iloveyou1314 aini1314 wang1234 zhang123456 li123456 liu123456 chen123456 yang123456 huang123456
zhao123456 wu123456 zhou123456 xu123456 sun123456 ma123456 zhu123456 hu123456 guo123456 he123456
admin123 admin888 admin1234 root1234 test1234 password1 passw0rd p@ssw0rd p@ssword 1234abcd
abcd12345 abc12345 abc123456789 qwer1234 asdf1234 zxcv1234 1q2w3e4r5t 1qaz2wsx3edc qazwsx123
ipservice ipservice123 zhishichanquan zscq1234 zscq123456
"""


def generated() -> list[str]:
    out = []
    for ch in "0123456789abcdefghijklmnopqrstuvwxyz":
        for n in range(MIN_LENGTH, 13):
            out.append(ch * n)
    digits = "12345678901234567890"
    for n in range(MIN_LENGTH, 13):
        out.append(digits[:n])
        out.append("".join(reversed(digits[:n])))
    return out


def main() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    seen: dict[str, None] = {}
    for word in CHINESE_TOP.split() + generated():
        seen.setdefault(word.lower(), None)
    kept = 0
    for word in FREQUENCY_LISTS["passwords"]:
        if kept >= KEEP:
            break
        if len(word) >= MIN_LENGTH and word.lower() not in seen:
            seen[word.lower()] = None
            kept += 1
    target = Path(__file__).resolve().parent.parent / "ipservice" / "accounts" / "common-passwords.txt"
    header = ("# Passwords refused at registration and password change (lower case, one a line).\n"
              "# Built by tools/build_common_passwords.py; see there for the sources.\n")
    target.write_text(header + "\n".join(seen) + "\n", encoding="utf-8")
    print(f"{len(seen)} passwords written to {target}")


if __name__ == "__main__":
    main()
