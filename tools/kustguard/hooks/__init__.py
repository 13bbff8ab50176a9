"""pre-commit hooks: fast, offline checks of what a commit changes.

Each hook is one module with one job; ``kustguard.hooks.cli`` wires them to
``kustguard hooks <name> FILE...`` (and ``python -m kustguard.hooks``):

- ``yaml-syntax`` (syntax.py): strict YAML, every document, duplicate keys;
- ``secret-guard`` (secret_guard.py): the repository's secret checks, run on
  the staged files only;
- ``kustomization-lint`` (kustomization_lint.py): deprecated kustomization
  fields with their replacement, remote bases without a pinned ref;
- ``validate-affected`` (validate.py): renders and validates only the entry
  points the staged files affect (affected.py computes which).

Every hook prints one line per problem, ``file:line: problem (fix: ...)``,
and exits 1 when it found one, 2 on unusable input, never with a traceback.
"""
