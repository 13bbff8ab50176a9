"""Generated name/value corpora for measuring credential-values.

benign(): names that are about a credential or merely contain a credential
word (TOKEN_URL, PUBLIC_KEY_PATH, CACHE_KEY_PREFIX, SORT_KEY...), each with a
value of the kind such a setting holds. credentials(): names that hold one,
with literal values. Both are built from word lists, so the corpus is the
same on every run; docs/checks.md quotes the rates measured on it.
"""
from __future__ import annotations

from itertools import product

PREFIXES = ("", "APP_", "DB_", "REDIS_", "CACHE_", "OAUTH_", "JWT_", "API_", "SSH_", "TLS_",
            "SESSION_", "SMTP_", "S3_", "KAFKA_", "LDAP_", "GITHUB_", "STRIPE_", "CLIENT_")
CORES = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASS", "AUTH", "PW", "PASSWD", "PUBLIC_KEY",
         "SIGNING_KEY", "ACCESS_KEY", "API_KEY", "CREDENTIALS")
# Descriptor -> a value such a setting holds.
DESCRIBED = {
    "PATH": "/etc/app/keys/current.pem", "FILE": "/run/secrets/value", "DIR": "/var/lib/app/keys",
    "URL": "https://auth.example.com/oauth/token", "ENDPOINT": "https://vault.example.com/v1",
    "PREFIX": "todo:", "SUFFIX": ".v1", "NAME": "app-credentials", "REF": "prod/app",
    "TTL": "3600", "TIMEOUT": "30s", "LENGTH": "32", "EXPIRY": "24h", "ENABLED": "true",
    "REQUIRED": "false", "TYPE": "Bearer", "ALGORITHM": "HS256", "HEADER": "X-Api-Key",
    "ISSUER": "https://issuer.example.com", "ID": "key-2026-01", "VERSION": "2",
    "ROTATION": "monthly", "MODE": "strict", "PROVIDER": "vault", "FORMAT": "pem",
    "ENCODING": "base64", "POLICY": "read-only", "SCOPE": "openid profile", "AUDIENCE": "api",
    "USER": "app", "USERNAME": "app", "HOST": "ldap.example.com", "PORT": "636",
}
# Names that end in KEY/AUTH/PASS but are not credentials, with their usual values.
PLAIN_KEYWORDS = {
    "CACHE_KEY": "sessions", "SORT_KEY": "created_at", "PARTITION_KEY": "tenant_id",
    "ROUTING_KEY": "orders.created", "PRIMARY_KEY": "id", "GROUP_KEY": "team",
    "SHARD_KEY": "region", "LOOKUP_KEY": "email", "IDEMPOTENCY_KEY": "request-id",
    "SMTP_AUTH": "login", "MAIL_AUTH": "plain", "PROXY_AUTH": "none", "AUTH": "true",
    "BASIC_AUTH": "disabled", "KEYBOARD": "us", "COMPASS": "north", "BYPASS": "false",
    "TRACE_KEY": "trace_id", "LABEL_KEY": "app.kubernetes.io/name", "I18N_KEY": "greeting.hello",
    "FEATURE_KEY": "new-checkout", "METRIC_KEY": "http_requests_total", "LOCALE_KEY": "en_US",
    "HASH_KEY": "user_id", "REDIS_KEY": "queue:jobs", "KV_KEY": "config/app",
    # Plain settings with digits: the _KEY rule cannot tell these from a password.
    "EVENT_ROUTING_KEY": "orders.v2.created", "S3_OBJECT_KEY": "backups/2026/db.sql.gz",
    "CACHE_VERSION_KEY": "v3-sessions",
}
# Values that carry a reference or a placeholder, not the credential.
REFERENCES = ("${DB_PASSWORD}", "$(API_TOKEN)", "<password>", "REDACTED", "", "true", "null")
SECRET_VALUES = ("hunter2-plain", "S3cretRootPw", "q8Zr3Lx9Tw2Vn7Kp4Hs6Jd1Fb5Gm0Ya", "pa55w0rd!",
                 "correct-horse-battery-staple-9", "Zm9vYmFyYmF6cXV4MTIzNDU2")


def benign() -> list[tuple[str, str]]:
    out = []
    for prefix, core, (descriptor, value) in product(PREFIXES, CORES, DESCRIBED.items()):
        out.append((f"{prefix}{core}_{descriptor}", value))
    out += list(PLAIN_KEYWORDS.items())
    for prefix, core, value in product(PREFIXES, CORES, REFERENCES):
        out.append((f"{prefix}{core}", value))
    return sorted(set(out))


CREDENTIAL_NAMES = ("PGPASSWORD", "DB_PASS", "REDIS_PASS", "RABBITMQ_DEFAULT_PASS", "SMTP_PASS",
                    "DB_PW", "LDAP_BIND_PW", "REDISCLI_AUTH", "MYSQL_ROOT_PASSWORD", "MYSQL_PWD",
                    "POSTGRES_PASSWORD", "API_KEY", "SIGNING_KEY", "JWT_SECRET", "GITHUB_TOKEN",
                    "AWS_SECRET_ACCESS_KEY", "CLIENT_SECRET", "MINIO_ROOT_PASSWORD", "DBPASSWD",
                    "SMTP_AUTH", "STRIPE_KEY", "SESSION_SECRET", "ADMIN_PW", "VAULT_TOKEN")


def credentials() -> list[tuple[str, str]]:
    return [(n, v) for n, v in product(CREDENTIAL_NAMES, SECRET_VALUES)]
