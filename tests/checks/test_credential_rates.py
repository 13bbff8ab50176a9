"""credential-values on generated corpora: the rates docs/checks.md quotes hold."""
import re

from credential_corpus import benign, credentials

from kustguard.checks.credential_values import __doc__ as DOC, classify


def _documented(label: str) -> tuple[int, int]:
    m = re.search(rf"{label}: (\d+) of (\d+)", " ".join(DOC.split()), re.I)
    assert m, f"the check's doc quotes no '{label}: N of M'"
    return int(m.group(1)), int(m.group(2))


def test_false_positive_rate_on_benign_names_is_the_documented_one():
    corpus = benign()
    flagged = [(n, v) for n, v in corpus if classify(n, v)]
    assert (len(flagged), len(corpus)) == _documented("benign names flagged"), flagged


def test_detection_rate_on_credential_names_is_the_documented_one():
    corpus = credentials()
    found = [(n, v) for n, v in corpus if classify(n, v)]
    assert (len(found), len(corpus)) == _documented("credentials found")
    assert len(found) == len(corpus), [c for c in corpus if c not in found]
