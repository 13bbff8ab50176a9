"""credential-values: no literal credentials in env, args, probes or ConfigMaps."""
import pytest

from kustguard.checks.credential_values import classify, name_strength

GOOD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: todo, namespace: todo}
spec:
  template:
    spec:
      containers:
        - name: todo
          image: todo:1
          args: ["--password-file=/run/secrets/db", "--token", "$(API_TOKEN)", "--auth=true"]
          env:
            - name: RDS_PASSWORD
              valueFrom: {secretKeyRef: {name: mysql, key: password}}
            - {name: AUTH, value: "true"}
            - {name: SECRET_NAME, value: my-secret}
            - {name: KEYBOARD, value: us}
            - {name: TOKEN_TTL, value: "3600"}
            - {name: API_TOKEN_URL, value: "https://auth.example.com/token"}
            - {name: DB_PASSWORD, value: "$(RDS_PASSWORD)"}
            - {name: CACHE_KEY_PREFIX, value: "todo:"}
            - {name: DATABASE_URL, value: "mysql://todo@mysql:3306/todo"}
            - {name: RDS_OPTIONS, value: "useSSL=false&allowPublicKeyRetrieval=true"}
          readinessProbe:
            exec:
              command: [sh, -c, 'mysqladmin ping -u root -p${MYSQL_ROOT_PASSWORD}']
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: todo}
data:
  LOG_LEVEL: info
  AUTH_ENABLED: "true"
  application.properties: |
    spring.datasource.url=jdbc:mysql://mysql:3306/todo
    spring.datasource.password=${DB_PASSWORD}
    # password=commented-out
    security.password-encoder=bcrypt
"""


def test_references_and_harmless_names_pass(run_check):
    assert run_check("credential-values", GOOD) == []


BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: todo, namespace: todo}
spec:
  template:
    spec:
      initContainers:
        - name: seed
          image: mysql:8
          command:
            - sh
            - -c
            - mysql -h mysql -uroot -pS3cretRootPw < /seed.sql
      containers:
        - name: todo
          image: todo:1
          args:
            - --db-password=hunter2-plain
            - --api-token
            - tok-Literal-123
          env:
            - {name: RDS_PASSWORD, value: hunter2-plain}
            - {name: SIGNING_KEY, value: "q8Zr3Lx9Tw2Vn7Kp4Hs6Jd1Fb5Gm0Ya"}
            - {name: DATABASE_URL, value: "postgres://app:pg-pw-secret@db:5432/app"}
            - {name: NOTIFY, value: "xoxb-1234567890-abcdefghij"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: todo}
data:
  ADMIN_PASSWORD: admin-pw-value
  application.properties: |
    spring.datasource.url=jdbc:mysql://mysql:3306/todo
    spring.datasource.password=props-pw-value
"""

SECRET_VALUES = ("S3cretRootPw", "hunter2-plain", "tok-Literal-123", "q8Zr3Lx9Tw2Vn7Kp4Hs6Jd1Fb5Gm0Ya",
                 "pg-pw-secret", "xoxb-1234567890-abcdefghij", "admin-pw-value", "props-pw-value")


def test_literal_credentials_fail_and_values_are_never_printed(run_check):
    findings = run_check("credential-values", BAD)
    init = "spec.template.spec.initContainers[0]"
    main = "spec.template.spec.containers[0]"
    assert [(str(f.object), f.field, f.line) for f in findings] == [
        ("Deployment/todo/todo", f"{init}.command[2]", 13),
        ("Deployment/todo/todo", f"{main}.env[0].value", 22),
        ("Deployment/todo/todo", f"{main}.env[1].value", 23),
        ("Deployment/todo/todo", f"{main}.env[2].value", 24),
        ("Deployment/todo/todo", f"{main}.env[3].value", 25),
        ("Deployment/todo/todo", f"{main}.args[0]", 18),
        ("Deployment/todo/todo", f"{main}.args[1]", 19),
        ("ConfigMap/todo/settings", "data.ADMIN_PASSWORD", 31),
        ("ConfigMap/todo/settings", "data.application.properties", 32),
    ]
    assert [f.message for f in findings] == [
        "container 'seed' command[2] passes a literal credential (-p)",
        "container 'todo' env RDS_PASSWORD holds a literal credential",
        "container 'todo' env SIGNING_KEY holds a literal credential",
        "container 'todo' env DATABASE_URL holds a URL with a password",
        "container 'todo' env NOTIFY holds what looks like a Slack token",
        "container 'todo' args[0] passes a literal credential (db-password)",
        "container 'todo' args[1] passes a literal credential (api-token)",
        "ConfigMap 'settings' key 'ADMIN_PASSWORD' holds a literal credential",
        "ConfigMap 'settings' key 'application.properties' (line 2) sets 'spring.datasource.password' "
        "to a literal credential",
    ]
    for f in findings:
        text = f.message + f.hint + repr(f.extra) + f.field
        assert not [v for v in SECRET_VALUES if v in text]


def test_kube_linter_env_var_secret_annotation_suppresses(run_check):
    text = """\
apiVersion: v1
kind: Pod
metadata:
  name: demo
  annotations: {ignore-check.kube-linter.io/env-var-secret: "throwaway lab password"}
spec:
  containers:
    - name: c
      image: x:1
      env: [{name: PASSWORD, value: lab-password}]
"""
    assert run_check("credential-values", text) == []


@pytest.mark.parametrize("name,strength", [
    ("RDS_PASSWORD", "strong"), ("apiKey", "strong"), ("AWS_SECRET_ACCESS_KEY", "strong"),
    ("spring.datasource.password", "strong"), ("GITHUB_TOKEN", "strong"),
    ("SECRET_NAME", ""), ("PASSWORD_FILE", ""), ("AWS_ACCESS_KEY_ID", ""), ("TOKEN_URL", ""),
    ("keyboard", ""), ("MONKEY", ""), ("AUTH", "weak"), ("CACHE_KEY", "keyword"), ("PUBLIC_KEY", ""), ("LOG_LEVEL", ""),
])
def test_name_strength(name, strength):
    assert name_strength(name) == strength


@pytest.mark.parametrize("name,value,flagged", [
    ("AUTH", "true", False),
    ("AUTH", "Zm9vYmFyYmF6cXV4MTIzNDU2", True),
    ("CACHE_KEY", "sessions", False),
    ("DB_PASSWORD", "changeme", True),
    ("DB_PASSWORD", "<password>", False),
    ("DB_PASSWORD", "********", False),
    ("DB_PASSWORD", "${DB_PASSWORD}", False),
    ("MYSQL_ROOT_PASSWORD", "", False),
    ("REDIS_URL", "redis://:pw-value@redis:6379/0", True),
    ("REDIS_URL", "redis://redis:6379/0", False),
    ("ANYTHING", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     True),
])
def test_classify(name, value, flagged):
    assert bool(classify(name, value)) is flagged


# Issue 20: names and shapes the rules used to miss.
LISTED_NAMES = ("PGPASSWORD", "DB_PASS", "REDIS_PASS", "RABBITMQ_DEFAULT_PASS", "SMTP_PASS", "DB_PW",
                "LDAP_BIND_PW", "REDISCLI_AUTH")
PATTERN_NAMES = ("MAIL_PASS", "ADMIN_PW", "X_PASSWD_VALUE", "PROXY_AUTH", "OAUTH_CLIENT_SECRET",
                 "WEBHOOK_TOKEN", "STRIPE_KEY", "dbPass", "ldap.bind.pw")
LEAK = "s3cr3t-Va1ue"


def _pod(env_name: str, where: str) -> str:
    if where == "env":
        spec = f"      env: [{{name: {env_name}, value: {LEAK}}}]\n"
    else:
        spec = f"      args: [\"--{env_name.lower().replace('_', '-')}={LEAK}\"]\n"
    return ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n"
            "    - name: c\n      image: x:1\n" + spec)


def _configmap(key: str, value: str) -> str:
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\ndata:\n"
            f"  {key}: {value!r}\n")


@pytest.mark.parametrize("name", LISTED_NAMES + PATTERN_NAMES)
@pytest.mark.parametrize("where", ["env", "args", "configmap"])
def test_listed_names_and_patterns_are_credentials_everywhere(run_check, name, where):
    text = _configmap(name, LEAK) if where == "configmap" else _pod(name, where)
    findings = run_check("credential-values", text)
    assert len(findings) == 1, (name, where)
    assert LEAK not in findings[0].message + findings[0].hint + findings[0].field


@pytest.mark.parametrize("key,line", [
    ("application.properties", "spring.datasource.password=" + LEAK),
    ("app.properties", "spring.datasource.password = " + LEAK),
    ("settings.ini", "db_pass = " + LEAK),
    (".env", "export PGPASSWORD=" + LEAK),
    ("redis.conf", "REDISCLI_AUTH: " + LEAK),
])
def test_one_line_config_files_in_a_configmap(run_check, key, line):
    findings = run_check("credential-values", _configmap(key, line))
    assert [f.field for f in findings] == [f"data.{key}"]
    assert "sets '" in findings[0].message and LEAK not in findings[0].message


def test_options_inside_an_env_value(run_check):
    text = _pod("x", "env").replace("{name: x, value: s3cr3t-Va1ue}",
                                    "{name: JAVA_OPTS, value: '-Xmx1g -Dspring.datasource.password=" + LEAK + "'}")
    findings = run_check("credential-values", text)
    assert [f.message for f in findings] == [
        "container 'c' env JAVA_OPTS sets 'Dspring.datasource.password' to a literal credential"]


@pytest.mark.parametrize("name,value", [
    ("CACHE_KEY", "sessions"), ("SORT_KEY", "created_at"), ("SMTP_AUTH", "login"),
    ("PUBLIC_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"),
    ("PUBLIC_KEY_PATH", "/etc/keys/pub.pem"), ("CACHE_KEY_PREFIX", "todo:"), ("TOKEN_URL", "https://a/t"),
    ("DB_PASS", "${DB_PASS}"), ("REDISCLI_AUTH", "$(REDIS_PASSWORD)"), ("BYPASS", "enabled-for-tests"),
])
def test_benign_names_and_values_pass(name, value):
    assert classify(name, value) == ""
