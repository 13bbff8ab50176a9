"""A container whose image starts slowly has a startup probe (or a late liveness probe).

Databases, search engines and JVM applications can take a minute or more to
start; a liveness probe that begins checking too early kills them in a restart
loop. Such a container needs a ``startupProbe`` allowing at least 60 s
(initialDelaySeconds + failureThreshold x periodSeconds, Kubernetes' defaults
10 s and 3 giving only 30 s), or, without a startup probe, a liveness probe
whose ``initialDelaySeconds`` is at least 30. Containers without a liveness probe are
left to ``probes-present``. The images known to start slowly are listed in
``SLOW_IMAGES``; a container is also taken for a JVM one when its image tag
names a JDK/JRE or it sets ``JAVA_OPTS``-style variables.

Passing::

    containers:
      - name: mysql
        image: mysql:8.4
        startupProbe: {tcpSocket: {port: 3306}, periodSeconds: 10, failureThreshold: 30}
        livenessProbe: {tcpSocket: {port: 3306}}

Failing::

    containers:
      - name: mysql
        image: mysql:8.4
        livenessProbe: {tcpSocket: {port: 3306}, initialDelaySeconds: 5}
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import env_entries, long_running_containers
from kustguard.findings import Finding, Severity

ID = "slow-start"
SEVERITY = Severity.WARNING
FAMILY = "probes"

# Image repository names (last path component, before the tag) known to start
# slowly. An entry also matches "<entry>-<anything>" (e.g. keycloak-x).
SLOW_IMAGES = (
    "mysql", "mariadb", "percona", "postgres", "postgresql", "postgis", "mongo", "mongodb",
    "elasticsearch", "opensearch", "logstash", "kibana", "hazelcast", "keycloak",
    "cassandra", "kafka", "zookeeper", "solr", "neo4j", "sonarqube", "nexus3", "jenkins",
    "openjdk", "eclipse-temurin", "amazoncorretto", "ibm-semeru-runtimes", "tomcat",
    "jetty", "wildfly", "jboss", "payara", "spring-boot",
)
JVM_TAG = re.compile(r"(^|[-_.])(jdk|jre|java|temurin|corretto|openj9)\d*($|[-_.])", re.I)
JVM_ENV = frozenset({"JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JVM_OPTS",
                     "CATALINA_OPTS", "_JAVA_OPTIONS"})

MIN_LIVENESS_DELAY = 30   # seconds
MIN_STARTUP_BUDGET = 60   # seconds: failureThreshold x periodSeconds
# Kubernetes' probe defaults.
DEFAULT_PERIOD = 10
DEFAULT_FAILURE_THRESHOLD = 3


def _repository(image: str) -> tuple[str, str]:
    """(last path component of the repository, tag) of an image reference."""
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    return name.lower(), tag


def slow_reason(container: dict) -> str:
    """Why a container is expected to start slowly, or ''."""
    name, tag = _repository(str(container.get("image", "")))
    for slow in SLOW_IMAGES:
        if name == slow or name.startswith(slow + "-"):
            return f"image {slow}"
    if tag and JVM_TAG.search(tag):
        return "a JVM image"
    if any(e["name"] in JVM_ENV for _, e in env_entries(container)):
        return "a JVM"
    return ""


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads(long_running_only=True):
        for c in long_running_containers(workload):
            liveness = c.container.get("livenessProbe")
            if not isinstance(liveness, dict):
                continue
            reason = slow_reason(c.container)
            if not reason:
                continue
            delay = _int(liveness.get("initialDelaySeconds"), 0)
            startup = c.container.get("startupProbe")
            if isinstance(startup, dict):
                # The startup probe kills the container when it runs out, so
                # only its own budget counts (the liveness probe starts after it).
                threshold = _int(startup.get("failureThreshold"), DEFAULT_FAILURE_THRESHOLD)
                period = _int(startup.get("periodSeconds"), DEFAULT_PERIOD)
                budget = _int(startup.get("initialDelaySeconds"), 0) + threshold * period
                if budget >= MIN_STARTUP_BUDGET:
                    continue
                yield ctx.report(
                    workload,
                    f"container {c.name!r} runs {reason}, which starts slowly, but its startup probe "
                    f"allows only {budget}s (failureThreshold {threshold} x periodSeconds {period})",
                    hint=f"raise startupProbe failureThreshold x periodSeconds to at least {MIN_STARTUP_BUDGET}s",
                    path=c.path + ("startupProbe",),
                )
            elif delay < MIN_LIVENESS_DELAY:
                yield ctx.report(
                    workload,
                    f"container {c.name!r} runs {reason}, which starts slowly, but it has no startup probe "
                    f"and its liveness probe starts after {delay}s",
                    hint=f"add a startupProbe allowing at least {MIN_STARTUP_BUDGET}s "
                         f"(e.g. periodSeconds: 10, failureThreshold: 30), or set the liveness probe's "
                         f"initialDelaySeconds to {MIN_LIVENESS_DELAY} or more",
                    path=c.path + ("livenessProbe",),
                )
