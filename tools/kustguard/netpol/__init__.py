"""NetworkPolicy analysis: who may reach whom, and what the environment intends.

Modules, in the order data flows:

- pods.py: pod groups (one per workload template) and namespaces, plus the
  cluster's well-known namespaces and DNS;
- selectors.py: label selectors, matched through a label -> bitmask index;
- policies.py: NetworkPolicy objects parsed with the API's defaults;
- ipblocks.py: external addresses as interval sets and atoms;
- ports.py: port sets as ranges, and PortMap (port ranges -> bitmasks);
- model.py: everything bound together, selectors resolved (cached per overlay);
- engine.py: the reachability itself (semantics and choices documented there);
- trace.py: which policies and rules allow or deny a given connection;
- intents.py: the `intents:` of environment.yaml, parsed and evaluated;
- render.py / cli.py: `kustguard explain` in text, markdown and dot.

The checks live in kustguard/checks/netpol_*.py; the user documentation is
docs/netpol.md.
"""
