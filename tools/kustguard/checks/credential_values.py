"""No literal credential in container env values, arguments or ConfigMaps.

Looks at ``env[].value`` (and ``-Dname=value`` / ``--flag=value`` options
inside it), ``command``/``args`` (``--password=...``, ``--token X``,
``NAME=value`` and ``mysql -p...`` in scripts), exec probe commands, and
ConfigMap ``data``: the key itself, and ``key: value`` / ``key=value`` /
``key = value`` lines of embedded ``.properties``, ``.env``, ``.ini`` and YAML
files, one line or many. A value is reported when

- its name says credential and the value is a literal (not ``$(VAR)`` /
  ``${VAR}``, a path, a boolean, a number or a placeholder). Such names hold
  password, passwd, pwd, passphrase, secret, token, credential(s) or a
  qualified key (api/access/secret/private key...) as a word; ``PASSWORD``
  or ``PASSWD`` anywhere in a word (``PGPASSWORD``); or end in ``_PASS``,
  ``_PW``, ``_PWD``, ``_SECRET`` or ``_TOKEN`` (``DB_PASS``, ``LDAP_BIND_PW``);
- its name ends in ``_KEY`` or ``_AUTH`` (``REDISCLI_AUTH``, ``SIGNING_KEY``)
  and the value is a literal that is not a plain word (``CACHE_KEY=sessions``
  and ``SMTP_AUTH=login`` pass; a ``PUBLIC_KEY`` is never a credential);
- its name only hints at one (``key``, ``pass``, ``auth`` alone) and the
  value looks random: 16+ characters of high entropy (so ``AUTH="true"`` and
  ``KEYBOARD=us`` pass);
- whatever its name, it is a URL with a password (``scheme://user:pw@host``)
  or has the shape of a well-known token (GitHub, GitLab, Slack, Stripe,
  Google API key, JWT).

A name ending in a descriptor (``SECRET_NAME``, ``PASSWORD_FILE``,
``TOKEN_URL``, ``KEY_ID``, ``PUBLIC_KEY_PATH``, ``CACHE_KEY_PREFIX``...) is
about a credential, not one.

Values taken from a Secret (``valueFrom.secretKeyRef``) have no value and pass.
Findings name the object, the container and the variable or key, never the
value.

Measured rates (``tests/checks/credential_corpus.py`` generates the corpora,
a test keeps these numbers true): benign names flagged: 3 of 9348 (0.03 %;
names like ``TOKEN_URL``, ``PUBLIC_KEY_PATH``, ``CACHE_KEY_PREFIX``,
``SORT_KEY=created_at`` with the values such settings hold; the three are
``*_KEY`` settings whose values hold digits, such as
``S3_OBJECT_KEY=backups/2026/db.sql.gz``). Credentials found: 144 of 144
(24 credential names, the eight listed above among them, times six literal
values). This repository's rendered output
(``scripts/measure-credential-values.py``): 0 of 42 distinct name/value pairs
flagged, over the 9 entry points that render offline (``argocd/install``
fetches the upstream Argo CD manifests).

Passing::

    env:
      - name: RDS_PASSWORD
        valueFrom: {secretKeyRef: {name: mysql, key: password}}
      - {name: AUTH, value: "true"}
      - {name: SECRET_NAME, value: my-secret}

Failing::

    env:
      - {name: RDS_PASSWORD, value: s3cr3t-pa55}
    args: ["--api-token=ghp_...", "--db=mysql://app:pw@mysql/todo"]
"""
from __future__ import annotations

import math
import re
import shlex
from collections import Counter
from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import PROBES, env_entries, iter_containers, string_list
from kustguard.findings import Finding, Severity
from kustguard.resources import FieldPath

ID = "credential-values"
SEVERITY = Severity.ERROR
FAMILY = "secrets"
KUBE_LINTER = ("env-var-secret",)

STRONG_WORDS = frozenset({
    "PASSWORD", "PASSWORDS", "PASSWD", "PWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "TOKENS",
    "CREDENTIAL", "CREDENTIALS", "CREDS", "APIKEY", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY",
    "CLIENTSECRET", "AUTHTOKEN", "DBPASS", "PASSWORT", "MOTDEPASSE",
})
# "KEY" is a credential when one of these comes before it (API_KEY, accessKey...).
KEY_QUALIFIERS = frozenset({"API", "ACCESS", "SECRET", "PRIVATE", "ENCRYPTION", "SIGNING", "MASTER",
                            "SSH", "HMAC", "JWT", "SESSION", "CRYPTO", "AUTH", "LICENSE", "DEPLOY",
                            "SERVICE", "ACCOUNT", "CLIENT", "APP", "WEBHOOK", "CIPHER", "AES"})
WEAK_WORDS = frozenset({"KEY", "PASS", "AUTH", "APIKEYS", "SALT", "HASH"})
# Parts of a word that say credential wherever they appear (PGPASSWORD, DBPASSWD).
STRONG_PARTS = ("PASSWORD", "PASSWD")
# A last word that makes a name with a prefix a credential (DB_PASS, LDAP_BIND_PW).
STRONG_SUFFIXES = frozenset({"PASS", "PW", "PWD", "SECRET", "TOKEN"})
# A last word that makes a name with a prefix a credential unless its value is
# a plain word (REDISCLI_AUTH=s3cr3t is one, CACHE_KEY=sessions is not).
KEYWORD_SUFFIXES = frozenset({"KEY", "AUTH"})
# Words before KEY that make it public material, never a credential.
PUBLIC_QUALIFIERS = frozenset({"PUBLIC", "PUB"})
# A last word that makes the name about a credential rather than one.
DESCRIPTORS = frozenset({
    "NAME", "NAMES", "FILE", "FILES", "PATH", "PATHS", "DIR", "DIRECTORY", "REF", "REFS", "ID", "IDS",
    "URL", "URI", "ENDPOINT", "HOST", "PORT", "USER", "USERNAME", "LENGTH", "LEN", "SIZE", "TTL",
    "TIMEOUT", "EXPIRY", "EXPIRES", "EXPIRATION", "LIFETIME", "DURATION", "INTERVAL", "ENABLED",
    "ENABLE", "DISABLED", "REQUIRED", "MODE", "TYPE", "TYPES", "HEADER", "POLICY", "FIELD", "PREFIX",
    "SUFFIX", "NAMESPACE", "VERSION", "ROTATION", "COUNT", "MIN", "MAX", "ALGORITHM", "ALG", "KIND",
    "LOCATION", "STORE", "MOUNT", "VOLUME", "FORMAT", "AUDIENCE", "ISSUER", "SCOPE", "SCOPES", "REALM",
    "METHOD", "PROVIDER", "BACKEND", "SOURCE", "STRATEGY", "PARAM", "PARAMETER", "ENV", "VAR",
    "PROPERTY", "COLUMN", "KEYS", "LABEL", "ANNOTATION", "SELECTOR", "CHARS", "POLICIES", "RETRIES",
    "STDIN", "ENCODER", "ENCODING", "HASHER", "VALIDATOR", "STRENGTH", "COMPLEXITY", "RESET", "REGEX",
    "PATTERN", "HINT", "PROMPT", "MANAGER", "SERVICE", "SERVER", "REFRESH", "EXCHANGE", "AUTHORITY",
})
FALSY = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable",
                   "disable", "none", "null", "nil", "required", "optional", "auto", "default", "y", "n"})
PLACEHOLDERS = frozenset({"redacted", "placeholder", "todo", "tbd", "replace_me", "replaceme",
                          "your_password", "your-password", "<password>", "example"})
TOKEN_SHAPES = (
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b"), "a GitLab token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}\b"), "a Slack token"),
    (re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}\b"), "a Stripe key"),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), "a Google API key"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"), "a JWT"),
)
URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s:/@]*:([^\s/@]+)@", re.I)
REFERENCE = re.compile(r"\$\(|\$\{|^\$[A-Za-z_]|\{\{")
PLAIN_WORD = re.compile(r"^[A-Za-z]+(?:[-_.:/]+[A-Za-z]+)*[-_.:/]?$")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?[a-zA-Z]{0,2}$")
CONFIG_LINE = re.compile(r"""^\s*(?:export\s+)?["']?([A-Za-z0-9_.\-\[\]]+)["']?\s*[:=]\s*(.*?)\s*,?\s*$""")
MYSQL_CLIENTS = frozenset({"mysql", "mysqladmin", "mysqldump", "mariadb", "mariadb-admin", "mysqlshow"})

MIN_STRONG_LENGTH = 3
MIN_RANDOM_LENGTH = 16
MIN_ENTROPY = 3.5   # bits per character


def words(name: str) -> list[str]:
    """A name's words: split on _ - . and camelCase, upper-cased."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.upper() for w in re.split(r"[\s_.\-\[\]/]+", spaced) if w]


def name_strength(name: str) -> str:
    """'strong', 'keyword', 'weak' or '' for how much a name says "credential".

    'keyword' (a name ending in _KEY or _AUTH) counts when the value is not a
    plain word.
    """
    ws = words(name)
    if not ws or ws[-1] in DESCRIPTORS:
        return ""
    for i, w in enumerate(ws):
        if w in STRONG_WORDS or any(part in w for part in STRONG_PARTS):
            return "strong"
        if w == "KEY" and i > 0 and ws[i - 1] in KEY_QUALIFIERS:
            return "strong"
    if len(ws) > 1 and ws[-1] in STRONG_SUFFIXES:
        return "strong"
    if len(ws) > 1 and ws[-1] in KEYWORD_SUFFIXES:
        return "" if ws[-2] in PUBLIC_QUALIFIERS else "keyword"
    return "weak" if any(w in WEAK_WORDS for w in ws) else ""


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def is_literal(value: str) -> bool:
    """A value that can be a credential: not a reference, path, flag, number or placeholder."""
    v = _unquote(value)
    low = v.lower()
    if len(v) < MIN_STRONG_LENGTH or REFERENCE.search(v) or low in FALSY or low in PLACEHOLDERS:
        return False
    if NUMBER.match(v) or v.startswith(("/", "./", "~/", "file:", "<")) or len(set(v)) == 1:
        return False
    if re.match(r"^[a-z][a-z0-9+.\-]*://", low) and not URL_PASSWORD.search(v):
        return False  # a location, not a secret
    return True


def looks_random(value: str) -> bool:
    v = _unquote(value)
    return (len(v) >= MIN_RANDOM_LENGTH and not re.search(r"\s", v)
            and entropy(v) >= MIN_ENTROPY and is_literal(v))


def by_value(value: str) -> str:
    """What a value is, whatever its name: '' if nothing suspicious."""
    m = URL_PASSWORD.search(value)
    if m and not REFERENCE.search(m.group(1)):
        return "a URL with a password"
    for pattern, what in TOKEN_SHAPES:
        if pattern.search(value):
            return f"what looks like {what}"
    return ""


def classify(name: str, value: str) -> str:
    """Why name=value is a literal credential, or ''."""
    found = by_value(value)
    if found:
        return found
    strength = name_strength(name)
    if strength == "strong" and is_literal(value):
        return "a literal credential"
    if strength == "keyword" and is_literal(value) and not PLAIN_WORD.match(_unquote(value)):
        return "a literal credential"
    if strength == "weak" and looks_random(value):
        return "a literal, random-looking credential"
    return ""


def _tokens(item: str) -> list[str]:
    try:
        return shlex.split(item)
    except ValueError:
        return item.split()


def scan_command(items: list[str]) -> Iterator[tuple[int, str, str]]:
    """(item index, name, why) for credentials passed in a command line."""
    for i, item in enumerate(items):
        parts = _tokens(item) if re.search(r"\s", item) else [item]
        following = items[i + 1] if i + 1 < len(items) else None
        mysql = any(p.rsplit("/", 1)[-1] in MYSQL_CLIENTS for p in parts + items[:1])
        for j, token in enumerate(parts):
            nxt = parts[j + 1] if j + 1 < len(parts) else (following if len(parts) == 1 else None)
            why = by_value(token)
            if why:
                yield i, token.split("=", 1)[0].lstrip("-") if "=" in token else "argument", why
                continue
            if token.startswith("-"):
                flag, eq, value = token.lstrip("-").partition("=")
                if eq:
                    why = classify(flag, value)
                    if why:
                        yield i, flag, why
                elif mysql and token.startswith("-p") and not token.startswith("--") and len(token) > 2:
                    if is_literal(token[2:]):
                        yield i, "-p", "a literal credential"
                elif nxt is not None and not nxt.startswith("-") and name_strength(flag) == "strong" \
                        and is_literal(nxt):
                    yield i, flag, "a literal credential"
            elif "=" in token:
                name, _, value = token.partition("=")
                if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                    why = classify(name, value)
                    if why:
                        yield i, name, why


def _options_in(value: str) -> Iterator[tuple[int, str, str]]:
    """Options passed inside one env value (JAVA_OPTS="-Dx.password=...")."""
    if "=" not in value or not re.search(r"\s|^-", value.strip()):
        return iter(())
    return scan_command(_tokens(value))


def scan_config_text(text: str) -> Iterator[tuple[int, str, str]]:
    """(line in the value, setting, why) for credentials in an embedded config file."""
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//", ";")):
            continue
        why = by_value(stripped)
        m = CONFIG_LINE.match(line)
        if m and not why:
            why = classify(m.group(1), m.group(2))
        if why:
            yield n, (m.group(1) if m else "a line"), why


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for c in iter_containers(workload):
            who = f"container {c.name!r}"
            for i, entry in env_entries(c.container):
                value = entry.get("value")
                if value is None or isinstance(entry.get("valueFrom"), dict):
                    continue
                hint = "move the value to a Secret (SOPS-encrypted) and use valueFrom.secretKeyRef"
                why = classify(str(entry["name"]), str(value))
                if why:
                    yield _report(ctx, workload, f"{who} env {entry['name']} holds {why}", hint,
                                  c.path + ("env", i, "value"))
                    continue
                for _, option, why in _options_in(str(value)):
                    yield _report(ctx, workload, f"{who} env {entry['name']} sets {option!r} to {why}",
                                  hint, c.path + ("env", i, "value"))
                    break
            places: list[tuple[FieldPath, str, list[str]]] = [
                (c.path + (f,), f, string_list(c.container.get(f))) for f in ("command", "args")]
            for probe in PROBES:
                action = (c.container.get(probe) or {}).get("exec") if isinstance(c.container.get(probe), dict) else None
                if isinstance(action, dict):
                    places.append((c.path + (probe, "exec", "command"), f"{probe} command",
                                   string_list(action.get("command"))))
            for base, label, items in places:
                seen = set()
                for i, name, why in scan_command(items):
                    if (i, name) in seen:
                        continue
                    seen.add((i, name))
                    yield _report(ctx, workload, f"{who} {label}[{i}] passes {why} ({name})",
                                  "pass it from a Secret through an env var ($(VAR) in args, \"$VAR\" in "
                                  "scripts), or mount the Secret as a file", base + (i,))
    for cm in ctx.index.of_kind("ConfigMap"):
        data = cm.get("data")
        for key, value in (data.items() if isinstance(data, dict) else []):
            yield from _configmap_value(ctx, cm, str(key), "" if value is None else str(value))


def _configmap_value(ctx: OverlayContext, cm, key: str, text: str) -> Iterator[Finding]:
    """A ConfigMap value: a credential by its key, or a config file (one line
    or many: .properties, .env, .ini, YAML) that sets one."""
    hint = "move it to a Secret (SOPS-encrypted) and reference or mount that instead"
    one_line = "\n" not in text.strip()
    if one_line:
        why = classify(key, text)
        if why:
            yield _report(ctx, cm, f"ConfigMap {cm.name!r} key {key!r} holds {why}", hint, ("data", key))
            return
    for n, setting, why in scan_config_text(text):
        where = "" if one_line else f" (line {n})"
        yield _report(ctx, cm, f"ConfigMap {cm.name!r} key {key!r}{where} sets {setting!r} to {why}",
                      hint, ("data", key))


def _report(ctx: OverlayContext, resource, message: str, hint: str, path: FieldPath) -> Finding:
    return ctx.report(resource, message, hint=hint, path=path)
