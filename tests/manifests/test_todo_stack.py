"""The TODO stack of seed 000: registry, MySQL, TODO, Hazelcast, policies,
dashboard and the nginx example."""
from __future__ import annotations

import pytest

from manifest_helpers import container, container_port, env_of, pod_labels, pod_spec, wave
from netpol_model import Pod, allowed, egress_allowed, ingress_allowed, pod_of

TODO_ENVS = ["k3d", "microk8s", "gke", "ovh"]


def mysql_service(objs, ns):
    mysql = objs.get("Deployment", "mysql", ns)
    services = objs.services_selecting(ns, pod_labels(mysql))
    assert len(services) == 1
    return services[0], mysql


@pytest.mark.parametrize("env", TODO_ENVS)
def test_mysql_database(rendered, env):
    objs = rendered(env)
    dep = objs.get("Deployment", "mysql")
    ns = dep["metadata"]["namespace"]
    c = container(dep, "mysql")
    env_vars = env_of(c)
    # every credential comes from a Secret key that exists
    for name in ("MYSQL_ROOT_PASSWORD", "MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD"):
        ref = env_vars[name]["valueFrom"]["secretKeyRef"]
        assert ref["key"] in objs.secret_keys(ns, ref["name"])
    # data on a PVC, in the same sync wave as the pod
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
              for v in pod_spec(dep)["volumes"] if "persistentVolumeClaim" in v}
    data_volume = next(n for n, p in mounts.items() if p == "/var/lib/mysql")
    pvc = objs.get("PersistentVolumeClaim", claims[data_volume], ns)
    assert wave(pvc) == wave(dep) == "0"
    # the seed's mysqladmin ping for startup and readiness, generous start
    for probe in ("startupProbe", "readinessProbe"):
        script = " ".join(c[probe]["exec"]["command"])
        assert "mysqladmin ping" in script and "alive" in script
    startup = c["startupProbe"]
    assert startup.get("failureThreshold", 3) * startup.get("periodSeconds", 10) >= 300
    assert c["livenessProbe"]
    assert dep["spec"]["strategy"]["type"] == "Recreate"


@pytest.mark.parametrize("env", TODO_ENVS)
def test_todo_connects_to_mysql(rendered, env):
    objs = rendered(env)
    todo = objs.get("Deployment", "todo")
    ns = todo["metadata"]["namespace"]
    svc, mysql = mysql_service(objs, ns)
    svc_port = svc["spec"]["ports"][0]
    assert container_port(mysql, svc_port["targetPort"]) == 3306
    app = container(todo, "todo")
    env_vars = env_of(app)
    assert env_vars["RDS_HOSTNAME"]["value"] == svc["metadata"]["name"]
    assert int(env_vars["RDS_PORT"]["value"]) == svc_port["port"]
    for name in ("RDS_DB_NAME", "RDS_USERNAME", "RDS_PASSWORD"):
        ref = env_vars[name]["valueFrom"]["secretKeyRef"]
        assert ref["key"] in objs.secret_keys(ns, ref["name"])
    # the app and MySQL share the same credentials
    mysql_env = env_of(container(mysql, "mysql"))
    assert env_vars["RDS_PASSWORD"]["valueFrom"] == mysql_env["MYSQL_PASSWORD"]["valueFrom"]
    assert env_vars["RDS_USERNAME"]["valueFrom"] == mysql_env["MYSQL_USER"]["valueFrom"]
    assert env_vars["RDS_DB_NAME"]["valueFrom"] == mysql_env["MYSQL_DATABASE"]["valueFrom"]
    assert env_vars["RDS_OPTIONS"]["value"] == "useSSL=false&allowPublicKeyRetrieval=true"
    assert "AUTH" in env_vars
    # the init container waits for the MySQL Service's DNS name and port
    init = pod_spec(todo)["initContainers"][0]
    init_env = env_of(init)
    assert init_env["DB_HOST"]["value"] == svc["metadata"]["name"]
    assert int(init_env["DB_PORT"]["value"]) == svc_port["port"]
    assert "$DB_HOST" in init["command"][-1] and "$DB_PORT" in init["command"][-1]
    assert todo["spec"]["replicas"] > 1
    assert wave(todo) == "1"


@pytest.mark.parametrize("env", TODO_ENVS)
def test_hazelcast_sessions(rendered, env):
    objs = rendered(env)
    todo = objs.get("Deployment", "todo")
    ns = todo["metadata"]["namespace"]
    app = container(todo, "todo")
    env_vars = env_of(app)
    assert env_vars["AUTH"]["value"] == "true"
    headless = [s for s in objs.services_selecting(ns, pod_labels(todo))
                if s["spec"].get("clusterIP") == "None"]
    assert len(headless) == 1
    hz = headless[0]
    assert [p["port"] for p in hz["spec"]["ports"]] == [5701]
    assert container_port(todo, hz["spec"]["ports"][0]["targetPort"]) == 5701
    # the full DNS name, as the kubelet expands it in the pod's namespace
    assert env_vars["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    names = list(env_vars)
    assert names.index("POD_NAMESPACE") < names.index("HAZELCAST_SERVICE_DNS")
    dns = env_vars["HAZELCAST_SERVICE_DNS"]["value"].replace("$(POD_NAMESPACE)", ns)
    assert dns == f"{hz['metadata']['name']}.{ns}.svc.cluster.local"
    # the app sees its namespace where it looks for it, without an API token
    assert pod_spec(todo)["automountServiceAccountToken"] is False
    mount = next(m for m in app["volumeMounts"]
                 if m["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount")
    volume = next(v for v in pod_spec(todo)["volumes"] if v["name"] == mount["name"])
    assert volume["downwardAPI"]["items"][0]["path"] == "namespace"


@pytest.mark.parametrize("env", ["k3d", "microk8s", "ovh"])
def test_todo_ingress_on_root_path(rendered, env):
    objs = rendered(env)
    ing = objs.get("Ingress", "todo")
    rule = ing["spec"]["rules"][0]
    path = rule["http"]["paths"][0]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    backend = objs.get("Service", path["backend"]["service"]["name"], ing["metadata"]["namespace"])
    assert backend["metadata"]["name"] == "todo"
    if env == "ovh":
        assert rule["host"]  # the NGINX Inc. controller needs a host rule
    else:
        assert "host" not in rule
    # cookie session affinity for the environment's controller
    if ing["spec"]["ingressClassName"] == "traefik":
        ann = backend["metadata"]["annotations"]
        assert ann["traefik.ingress.kubernetes.io/service.sticky.cookie"] == "true"
    elif env != "ovh":
        assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"


def test_gke_uses_a_load_balancer_instead_of_an_ingress(rendered):
    objs = rendered("gke")
    assert not objs.of("Ingress", "todo")
    svc = objs.get("Service", "todo")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["sessionAffinity"] == "ClientIP"
    todo = objs.get("Deployment", "todo")
    assert container(todo, "todo")["image"].split("/")[0].endswith("-docker.pkg.dev")


@pytest.mark.parametrize("env", TODO_ENVS)
def test_todo_network_policies_as_the_seed_states(rendered, env):
    objs = rendered(env)
    todo = objs.get("Deployment", "todo")
    ns = todo["metadata"]["namespace"]
    policies = objs.of("NetworkPolicy")
    t, m = pod_of(objs, todo), pod_of(objs, objs.get("Deployment", "mysql"))
    intruder = Pod(ns, {"app": "intruder"})
    outsider = Pod("elsewhere", {"app": "todo"}, ns_labels={"kubernetes.io/metadata.name": "x"})
    assert allowed(policies, t, m, 3306)
    assert not allowed(policies, t, m, 3307)
    # MySQL's own side refuses every other pod, in or out of the namespace
    assert not ingress_allowed(policies, intruder, m, 3306)
    assert not ingress_allowed(policies, outsider, m, 3306)
    # MySQL answers only TODO: it opens no connection except DNS
    assert not egress_allowed(policies, m, t, 8080)
    assert not egress_allowed(policies, m, Pod("elsewhere", {}), 443)
    assert egress_allowed(policies, m, Pod("kube-system", {"k8s-app": "kube-dns"},
                                           ns_labels={"kubernetes.io/metadata.name": "kube-system"}),
                          53, "UDP")
    # only TODO pods form the Hazelcast cluster
    assert allowed(policies, t, t, 5701)
    assert not ingress_allowed(policies, intruder, t, 5701)
    assert not ingress_allowed(policies, m, t, 5701)
    # 8080 stays open to everything
    assert ingress_allowed(policies, intruder, t, 8080)
    assert ingress_allowed(policies, outsider, t, 8080)


@pytest.mark.parametrize("env", ["k3d", "microk8s"])
def test_registry(rendered, env):
    objs = rendered(env)
    reg = objs.get("Deployment", "registry")
    ns = reg["metadata"]["namespace"]
    (svc,) = objs.services_selecting(ns, pod_labels(reg))
    port = svc["spec"]["ports"][0]
    assert svc["spec"]["type"] == "NodePort" and port["nodePort"] == 30500
    assert container_port(reg, port["targetPort"]) == 5000
    c = container(reg, "registry")
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/var/lib/registry")
    volume = next(v for v in pod_spec(reg)["volumes"] if v["name"] == mount["name"])
    objs.get("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"], ns)
    # the images the overlay pulls from the registry use its node port
    pulled = [c["image"] for w in objs.workloads() for c in pod_spec(w)["containers"]
              if c["image"].startswith("127.0.0.1:")]
    assert pulled and all(i.startswith(f"127.0.0.1:{port['nodePort']}/") for i in pulled)


def test_dashboard_is_least_privilege(rendered):
    objs = rendered("k3d")
    images = {c["image"] for w in objs.workloads() if w["metadata"]["namespace"] == "kubernetes-dashboard"
              for c in pod_spec(w)["containers"]}
    assert images == {"kubernetesui/dashboard:v2.7.0", "kubernetesui/metrics-scraper:v1.0.8"}
    for env in ("k3d", "kind", "microk8s", "gke", "ovh", "edge"):
        for b in rendered(env).of("ClusterRoleBinding") + rendered(env).of("RoleBinding"):
            assert b["roleRef"]["name"] not in ("cluster-admin", "admin", "edit"), (env, b)
    viewer = objs.get("ClusterRoleBinding", "dashboard-viewer")
    role = objs.get("ClusterRole", viewer["roleRef"]["name"])
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= {"get", "list", "watch"}
        assert "secrets" not in rule["resources"] and "*" not in rule["resources"]
    (subject,) = viewer["subjects"]
    sa = objs.get("ServiceAccount", subject["name"], subject["namespace"])
    assert sa["automountServiceAccountToken"] is False
    # no long-lived login token Secret
    assert not [s for s in objs.of("Secret") if s.get("type") == "kubernetes.io/service-account-token"]
    # the dashboard's own Role is limited to named objects
    own = objs.get("Role", "kubernetes-dashboard", "kubernetes-dashboard")
    assert all(rule.get("resourceNames") for rule in own["rules"])


@pytest.mark.parametrize("env", ["k3d", "microk8s", "ovh"])
def test_nginx_demo(rendered, env):
    objs = rendered(env)
    dep = objs.get("Deployment", "nginx", "nginx-demo")
    assert dep["spec"]["replicas"] == 2
    c = container(dep, "nginx")
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/usr/share/nginx/html")
    volume = next(v for v in pod_spec(dep)["volumes"] if v["name"] == mount["name"])
    objs.get("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"], "nginx-demo")
    ing = objs.get("Ingress", "nginx", "nginx-demo")
    rule = ing["spec"]["rules"][0]
    assert rule["host"] == "nginx.local"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    svc = objs.get("Service", backend["name"], "nginx-demo")
    assert svc in objs.services_selecting("nginx-demo", pod_labels(dep))
    assert backend["port"]["number"] == svc["spec"]["ports"][0]["port"]
