"""Comment-preserving GitOps edits: `promote` image tags, `fix` deprecated fields.

Edits splice new text into the exact characters that change (yamledit),
are checked by re-rendering (validation, equivalence) before anything is
written, and are written atomically with concurrent-change detection
(atomic).
"""
