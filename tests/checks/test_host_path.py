DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: logs, namespace: ops}
spec:
  template:
    spec:
      containers:
        - name: shipper
          image: shipper:1.0
      volumes:
        - name: scratch
          emptyDir: {}
        - name: varlog
          hostPath:
            path: /var/log
            type: Directory
"""


def test_host_path_volume_fails(run_check):
    findings = run_check("host-path", DEPLOYMENT)
    assert [(f.object.name, f.message, f.field, f.line) for f in findings] == [
        ("logs", "volume 'varlog' mounts the node's path '/var/log' (hostPath)",
         "spec.template.spec.volumes[1].hostPath", 14),
    ]
    assert findings[0].severity.name == "WARNING"


def test_no_host_path_passes(run_check):
    text = DEPLOYMENT.split("        - name: varlog")[0]
    assert run_check("host-path", text) == []
