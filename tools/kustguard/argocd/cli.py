"""``kustguard argocd list|get|status|history|sync|wait|diff|rollback|terminate|refresh|logs``.

The server comes from ``--server`` or ``ARGOCD_SERVER``; credentials only
from the environment (``ARGOCD_AUTH_TOKEN``, or ``ARGOCD_USERNAME`` and
``ARGOCD_PASSWORD``), so they stay out of shell history and process lists.

Exit codes: 0 ok; 1 the app is not Synced/Healthy (status), differs from
git (diff), or the server refused or could not be reached; 2 usage errors;
and for waits, the distinct codes of :class:`~kustguard.argocd.wait.Outcome`:
3 Degraded, 4 operation Failed, 5 timeout, 6 timeout with the operation
terminated.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO

from kustguard.argocd.client import REFRESH_MODES, ArgoCD
from kustguard.argocd.errors import ArgoCDError
from kustguard.argocd.options import STRATEGIES, RetryPolicy, SyncResource
from kustguard.argocd.session import ENV_SERVER, Session
from kustguard.argocd.status import AppStatus
from kustguard.argocd.table import (
    details_text,
    diff_table,
    history_table,
    list_table,
    status_table,
)
from kustguard.argocd.views import AppDetails, HistoryEntry
from kustguard.argocd.wait import Goal, Waiter, WaitResult, now_utc
from kustguard.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, InputError

Handler = Callable[[argparse.Namespace], int]
ENVIRONMENT_LABEL = "kustguard.io/environment"
FOLLOW_IDLE_SECONDS = 3600.0  # a followed log may stay quiet for long


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    conn = common.add_argument_group("connection")
    conn.add_argument("--server", help=f"Argo CD API address (default: ${ENV_SERVER})")
    conn.add_argument("--plaintext", action="store_true",
                      help="use http:// when --server has no scheme")
    tls = conn.add_mutually_exclusive_group()
    tls.add_argument("--ca-bundle", metavar="FILE",
                     help="trust the CAs in this PEM file for the server's certificate")
    tls.add_argument("--insecure", action="store_true",
                     help="do not verify the server's certificate (throwaway clusters only)")
    conn.add_argument("--connect-timeout", type=float, default=5.0, metavar="SECONDS")
    conn.add_argument("--read-timeout", type=float, default=30.0, metavar="SECONDS")
    conn.add_argument("--app-namespace", help="namespace of the Application, if not Argo CD's")
    common.add_argument("--project", help="the app's project; a mismatch answers not found")
    common.add_argument("--output", "-o", "--format", dest="format", choices=("table", "json"),
                        default="table", help="table (default) or json")
    return common


def _wait_flags(parser: argparse.ArgumentParser, *, optional: bool) -> None:
    group = parser.add_argument_group("waiting")
    if optional:
        group.add_argument("--wait", action="store_true",
                           help="wait until the app is Synced and Healthy")
    group.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS")
    group.add_argument("--terminate-on-timeout", action="store_true",
                       help="stop the running operation when the wait times out")
    group.add_argument("--poll-interval", type=float, default=2.0, metavar="SECONDS",
                       help=argparse.SUPPRESS)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``argocd`` command group to the main CLI's sub-parsers."""
    common = _common()
    parser = subparsers.add_parser(
        "argocd", help="list, inspect, sync, wait for, roll back and stop Argo CD apps",
        description=__doc__.split("\n\n")[0].strip("`"))
    sub = parser.add_subparsers(dest="argocd_command", metavar="COMMAND", required=True)

    p = sub.add_parser("list", parents=[common], help="applications, filtered")
    p.add_argument("--selector", "-l", metavar="LABELS",
                   help="label selector, e.g. kustguard.io/tier=apps")
    p.add_argument("--environment", "-e", metavar="ENV",
                   help=f"only apps labelled {ENVIRONMENT_LABEL}=ENV")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("get", parents=[common],
                       help="summary, conditions and resource tree with health")
    p.add_argument("app", metavar="APP")
    p.add_argument("--refresh", choices=REFRESH_MODES, help="re-read git before answering")
    p.set_defaults(handler=cmd_get)

    p = sub.add_parser("history", parents=[common], help="deployments, with ids for rollback")
    p.add_argument("app", metavar="APP")
    p.set_defaults(handler=cmd_history)

    p = sub.add_parser("refresh", parents=[common], help="have Argo CD re-read git now")
    p.add_argument("app", metavar="APP")
    p.add_argument("--hard", action="store_true", help="re-render too (no manifest cache)")
    p.set_defaults(handler=cmd_refresh)

    p = sub.add_parser("logs", parents=[common], help="logs of a resource's pods")
    p.add_argument("app", metavar="APP")
    p.add_argument("resource", metavar="GROUP:KIND:[NS/]NAME",
                   help="e.g. apps:Deployment:todo/todo or :Pod:todo/todo-7d9f-x")
    p.add_argument("--container", "-c")
    p.add_argument("--tail", type=int, metavar="LINES")
    p.add_argument("--since-seconds", type=int, metavar="SECONDS")
    p.add_argument("--follow", "-f", action="store_true")
    p.set_defaults(handler=cmd_logs)

    p = sub.add_parser("status", parents=[common], help="sync and health of apps")
    p.add_argument("apps", nargs="+", metavar="APP")
    p.add_argument("--refresh", choices=REFRESH_MODES, help="re-read git before answering")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("sync", parents=[common], help="start a sync (optionally wait)")
    p.add_argument("app", metavar="APP")
    p.add_argument("--revision", help="git revision to sync to (default: the app's)")
    p.add_argument("--prune", action="store_true", help="delete what git no longer has")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--resource", action="append", default=[], metavar="GROUP:KIND:[NS/]NAME",
                   help="sync only this resource (repeatable)")
    p.add_argument("--sync-option", action="append", default=[], metavar="OPTION",
                   help="e.g. ServerSideApply=true (repeatable)")
    p.add_argument("--strategy", choices=STRATEGIES)
    p.add_argument("--force", action="store_true", help="delete and re-create on conflicts")
    p.add_argument("--retry-limit", type=int, metavar="N",
                   help="let Argo CD retry a failed sync N times")
    p.add_argument("--retry-backoff", default="5s", metavar="DURATION")
    p.add_argument("--retry-backoff-max", default="3m", metavar="DURATION")
    _wait_flags(p, optional=True)
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("wait", parents=[common], help="wait until Synced and Healthy")
    p.add_argument("app", metavar="APP")
    _wait_flags(p, optional=False)
    p.set_defaults(handler=cmd_wait)

    p = sub.add_parser("diff", parents=[common], help="live state vs git")
    p.add_argument("app", metavar="APP")
    p.add_argument("--refresh", choices=REFRESH_MODES, help="re-read git first")
    p.set_defaults(handler=cmd_diff)

    p = sub.add_parser("rollback", parents=[common], help="sync back to a history entry")
    p.add_argument("app", metavar="APP")
    p.add_argument("id", type=int, metavar="HISTORY_ID")
    p.add_argument("--prune", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    _wait_flags(p, optional=True)
    p.set_defaults(handler=cmd_rollback)

    p = sub.add_parser("terminate", parents=[common], help="stop the running operation")
    p.add_argument("app", metavar="APP")
    p.set_defaults(handler=cmd_terminate)
    return parser


# -- plumbing ------------------------------------------------------------------

def _client(args: argparse.Namespace) -> ArgoCD:
    try:
        session = Session.from_env(
            args.server, ca_bundle=args.ca_bundle, insecure=args.insecure,
            connect_timeout=args.connect_timeout, read_timeout=args.read_timeout,
            plaintext=args.plaintext)
    except ValueError as exc:
        about_server = "server" in str(exc)
        raise InputError(str(exc), hint=f"e.g. --server argocd.example.com or {ENV_SERVER}"
                         if about_server else "")
    return ArgoCD(session, app_namespace=args.app_namespace)


def _out(args: argparse.Namespace) -> TextIO:
    return getattr(args, "stdout", None) or sys.stdout


def _err(args: argparse.Namespace) -> TextIO:
    return getattr(args, "stderr", None) or sys.stderr


def _emit_json(args: argparse.Namespace, data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True), file=_out(args))


def _guard(handler: Callable[[argparse.Namespace, ArgoCD], int]) -> Handler:
    """Open the client, run, and turn API errors into one line and exit 1."""
    def run(args: argparse.Namespace) -> int:
        client = _client(args)
        try:
            return handler(args, client)
        except ArgoCDError as exc:
            print(f"kustguard argocd: {type(exc).__name__}: {exc}", file=_err(args))
            return EXIT_FINDINGS
        finally:
            client.close()
    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _progress(args: argparse.Namespace, name: str) -> Callable[[dict], None]:
    last: list[tuple] = []

    def show(app: dict) -> None:
        status = AppStatus.from_app(app)
        state = (status.sync, status.health, status.phase)
        if last and last[-1] == state:
            return
        last.append(state)
        print(f"{name}: sync {status.sync}, health {status.health}"
              + (f", operation {status.phase}" if status.phase else ""), file=_err(args))
    return show


def _wait(args: argparse.Namespace, client: ArgoCD, name: str, app: dict | None, *,
          goal: Goal = Goal.CONVERGE, since: datetime | None = None) -> int:
    waiter = Waiter(client, name, timeout=args.timeout, goal=goal, since=since,
                    terminate_on_timeout=args.terminate_on_timeout, project=args.project,
                    poll_interval=args.poll_interval,
                    on_update=_progress(args, name) if args.format == "table" else None)
    result = waiter.run(app)
    _report_wait(args, result)
    return result.exit_code


def _check_timeout(args: argparse.Namespace) -> None:
    if getattr(args, "timeout", 1) <= 0:
        raise InputError("--timeout must be positive")


def _report_wait(args: argparse.Namespace, result: WaitResult) -> None:
    status = AppStatus.from_app(result.app)
    status.problems = result.problems
    if args.format == "json":
        _emit_json(args, {"outcome": result.outcome.label, "exitCode": result.exit_code,
                          "message": result.message, "status": status.to_dict(),
                          "reconnects": result.reconnects, "polled": result.polled})
        return
    print(status_table([status]), file=_out(args))
    stream = _out(args) if result.ok else _err(args)
    print(f"{result.outcome.label}: {result.message}", file=stream)


# -- commands ------------------------------------------------------------------

@_guard
def cmd_list(args: argparse.Namespace, client: ArgoCD) -> int:
    """Applications matching the filters, with sync and health."""
    terms = [t for t in (args.selector,
                         f"{ENVIRONMENT_LABEL}={args.environment}" if args.environment
                         else None) if t]
    apps = client.list_applications(selector=",".join(terms) or None,
                                    projects=[args.project] if args.project else ())
    statuses = sorted((AppStatus.from_app(a) for a in apps), key=lambda s: s.name)
    if args.format == "json":
        _emit_json(args, [s.to_dict() for s in statuses])
    else:
        print(list_table(statuses), file=_out(args))
    return EXIT_CLEAN


@_guard
def cmd_get(args: argparse.Namespace, client: ArgoCD) -> int:
    """One app: its summary, conditions, and resource tree with health."""
    app = client.get(args.app, refresh=args.refresh, project=args.project)
    details = AppDetails.from_app(app, client.resource_tree(args.app, project=args.project))
    if args.format == "json":
        _emit_json(args, details.to_dict())
    else:
        print(details_text(details), file=_out(args))
    return EXIT_CLEAN


@_guard
def cmd_history(args: argparse.Namespace, client: ArgoCD) -> int:
    """The app's deployments; ``rollback APP ID`` takes an id from here."""
    entries = [HistoryEntry.from_wire(e) for e in client.history(args.app, project=args.project)]
    if args.format == "json":
        _emit_json(args, [e.to_dict() for e in entries])
    else:
        print(history_table(args.app, entries), file=_out(args))
    return EXIT_CLEAN


@_guard
def cmd_refresh(args: argparse.Namespace, client: ArgoCD) -> int:
    """Re-read git now, and show the state the refresh left."""
    status = AppStatus.from_app(client.refresh(args.app, hard=args.hard, project=args.project))
    if args.format == "json":
        _emit_json(args, status.to_dict())
    else:
        print(status_table([status]), file=_out(args))
    return EXIT_CLEAN


@_guard
def cmd_logs(args: argparse.Namespace, client: ArgoCD) -> int:
    """Log lines of the pods of one resource of the app (JSON: one object a line)."""
    try:
        resource = SyncResource.parse(args.resource)
    except ValueError as exc:
        raise InputError(str(exc))
    lines = client.logs(args.app, kind=resource.kind, resource_name=resource.name,
                        group=resource.group, namespace=resource.namespace or None,
                        container=args.container, tail_lines=args.tail,
                        since_seconds=args.since_seconds, follow=args.follow,
                        project=args.project,
                        idle_timeout=FOLLOW_IDLE_SECONDS if args.follow else None)
    out = _out(args)
    for line in lines:
        if args.format == "json":
            print(json.dumps(line.to_dict(), sort_keys=True), file=out, flush=True)
        else:
            print(f"{line.pod}: {line.content}", file=out, flush=True)
    return EXIT_CLEAN


@_guard
def cmd_status(args: argparse.Namespace, client: ArgoCD) -> int:
    """Sync and health of each app; failing resources come from the tree."""
    statuses = []
    for name in args.apps:
        app = client.get(name, refresh=args.refresh, project=args.project)
        status = AppStatus.from_app(app)
        if not status.ok:
            status = AppStatus.from_app(app, client.resource_tree(name, project=args.project))
        statuses.append(status)
    if args.format == "json":
        _emit_json(args, [s.to_dict() for s in statuses])
    else:
        print(status_table(statuses), file=_out(args))
    return EXIT_CLEAN if all(s.ok for s in statuses) else EXIT_FINDINGS


@_guard
def cmd_sync(args: argparse.Namespace, client: ArgoCD) -> int:
    """Start a sync; with --wait, wait for it like ``wait`` does."""
    try:
        resources = [SyncResource.parse(r) for r in args.resource]
        retry = (RetryPolicy(args.retry_limit, args.retry_backoff, 2, args.retry_backoff_max)
                 if args.retry_limit is not None else None)
    except ValueError as exc:
        raise InputError(str(exc))
    _check_timeout(args)
    since = now_utc()
    app = client.sync(args.app, revision=args.revision, prune=args.prune,
                      dry_run=args.dry_run, resources=resources,
                      sync_options=args.sync_option, strategy=args.strategy,
                      force=args.force, retry=retry, project=args.project)
    if args.wait:
        # A sync to a chosen revision may leave the app OutOfSync with its
        # target, as a rollback does: wait for the operation and health.
        goal = Goal.OPERATION if args.revision else Goal.CONVERGE
        return _wait(args, client, args.app, app, goal=goal, since=since)
    _report_started(args, "sync", app)
    return EXIT_CLEAN


def _report_started(args: argparse.Namespace, what: str, app: dict) -> None:
    status = AppStatus.from_app(app)
    if args.format == "json":
        _emit_json(args, {"started": what, "status": status.to_dict()})
    else:
        print(f"{status.name}: {what} started (operation {status.phase or 'requested'})",
              file=_out(args))


@_guard
def cmd_wait(args: argparse.Namespace, client: ArgoCD) -> int:
    """Wait until the app is Synced and Healthy, Degraded, Failed or timed out."""
    _check_timeout(args)
    return _wait(args, client, args.app, None)


@_guard
def cmd_diff(args: argparse.Namespace, client: ArgoCD) -> int:
    """Resources whose live state differs from git; exit 1 if any."""
    if args.refresh:
        client.get(args.app, refresh=args.refresh, project=args.project)
    diffs = client.diff(args.app, project=args.project)
    if args.format == "json":
        _emit_json(args, [d.to_dict() for d in diffs])
    else:
        print(diff_table(args.app, diffs), file=_out(args))
    return EXIT_FINDINGS if diffs else EXIT_CLEAN


@_guard
def cmd_rollback(args: argparse.Namespace, client: ArgoCD) -> int:
    """Sync back to history entry HISTORY_ID (see ``status --format json``)."""
    _check_timeout(args)
    since = now_utc()
    app = client.rollback(args.app, args.id, prune=args.prune, dry_run=args.dry_run,
                          project=args.project)
    if args.wait:
        return _wait(args, client, args.app, app, goal=Goal.OPERATION, since=since)
    _report_started(args, "rollback", app)
    return EXIT_CLEAN


@_guard
def cmd_terminate(args: argparse.Namespace, client: ArgoCD) -> int:
    """Stop the app's running operation."""
    client.terminate(args.app, project=args.project)
    if args.format == "json":
        _emit_json(args, {"terminated": args.app})
    else:
        print(f"{args.app}: operation termination requested", file=_out(args))
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Run ``argocd ...`` on its own (the main ``kustguard`` CLI calls register)."""
    parser = argparse.ArgumentParser(prog="kustguard")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    args.stdout, args.stderr = stdout, stderr
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"kustguard argocd: {exc}", file=stderr or sys.stderr)
        return EXIT_USAGE
