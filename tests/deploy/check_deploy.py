#!/usr/bin/python3
"""Checks the deployment files in deploy/ against the built binaries.

No Docker engine or Kubernetes cluster runs where the tests do, so this
checks what can be checked without one, and what goes wrong most often:

  docker   the runtime stage installs a package for every shared library
           svledger and svctl load; the build stage installs only packages
           scripts/lib.sh knows; COPY sources exist; it runs as a non-root
           user; the health check is `svctl health` on the gRPC port; every
           flag given is one svledger (or svctl) defines.
  compose  the files it builds from and mounts exist; Prometheus's config
           scrapes svledger's metrics port; Grafana gets the provisioning.
  k8s      the manifests parse; probes are gRPC probes on the gRPC port; the
           Services and the ServiceMonitor select the pods and name ports
           they have; --data-dir and --backup-dir are on volumes of their
           own; flags exist. The backup CronJob runs the StatefulSet's
           image, svctl's backup create, prune and verify in that order
           against a Service's gRPC port (with TLS when the server has it),
           a token from a mounted Secret; its pods are no Service's, and
           the NetworkPolicies let them reach the gRPC port.
  systemd  ExecStart's flags exist; the data directory is the unit's
           StateDirectory, the backup directory another writable one. The
           backup unit is a oneshot running svctl's backup create, prune
           and verify against --listen; its timer starts it, persistently.
  dashboards
           every Grafana panel sets a unit; a social value panel's queries
           aggregate by council (so "All" never averages councils
           together) and never divide without joining names for their
           legend; a table panel's queries are instant table queries
           merged into one table with readable column names.

Usage: check_deploy.py CHECK --root REPO --svledger BIN --svctl BIN
Exits 1 with every problem found, each naming the file.
"""

import argparse
import functools
import json
import os
import re
import shlex
import subprocess
import sys

import yaml

PROBLEMS = []


def problem(where, what):
    PROBLEMS.append(f"{where}: {what}")


@functools.lru_cache(maxsize=None)
def flags_of(binary):
    """The long flags `binary --helpfull` lists."""
    out = subprocess.run([binary, "--helpfull"], capture_output=True,
                         text=True, check=False)
    text = out.stdout + out.stderr
        # Help spells flags with dashes; check_flags compares underscores.
    names = {n.replace("-", "_") for n in
             re.findall(r"^\s+--(?:\[no\])?([a-z0-9_-]+)", text, re.M)}
    if "listen" not in names and "server" not in names:
        sys.exit(f"could not read the flags of {binary}:\n{text[:2000]}")
    return names


def check_flags(where, args, known, program="svledger"):
    """Every --flag in args is one of `known` (booleans may take no-)."""
    for arg in args:
        if not arg.startswith("--"):
            continue
        # svledger takes --data-dir for --data_dir, and --no-demo for a
        # boolean's false.
        name = arg[2:].split("=", 1)[0]
        flag = name.replace("-", "_")
        bare = (flag[3:] if flag.startswith("no_") else
                flag[2:] if flag.startswith("no") else flag)
        if flag not in known and bare not in known:
            problem(where, f"{program} has no flag --{name}")


def flag_value(args, name):
    for arg in args:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def port_of(address):
    return int(address.rsplit(":", 1)[1]) if address else None


def inside(path, folder):
    """Whether `path` is `folder` or under it."""
    return os.path.commonpath([path, folder]) == os.path.normpath(folder)


def nested(a, b):
    """Whether directory a is b, or one is inside the other."""
    return inside(a, b) or inside(b, a)


# ---------------------------------------------------------------- backups

# svctl's default --server, and what a backup job runs, in this order.
SVCTL_SERVER = "127.0.0.1:50051"
BACKUP_STEPS = [("backup", "create"), ("backup", "prune"),
                ("backup", "verify")]


@functools.lru_cache(maxsize=None)
def usage_of(binary):
    """What `binary --help` prints: the usage line names the commands."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         check=False)
    return out.stdout + out.stderr


def check_backup_steps(where, steps, svctl):
    """`steps` (each svctl's arguments) are backup create, prune --keep=N
    and verify, in that order, each with flags svctl has and a token."""
    known = flags_of(svctl)
    usage = usage_of(svctl)
    commands = []
    for step in steps:
        check_flags(where, step, known, "svctl")
        command = tuple(a for a in step if not a.startswith("-"))
        if command[:1] and command[0] not in [c[0] for c in commands] and \
                not re.search(rf"(?<![\w-]){re.escape(command[0])}(?![\w-])",
                              usage):
            problem(where, f"svctl --help names no command {command[0]}")
        commands.append(command)
        if flag_value(step, "token-file") is None:
            problem(where, f"svctl {' '.join(command)} has no --token-file "
                    "(the backup commands are admin only)")
        if command == ("backup", "prune"):
            keep = flag_value(step, "keep")
            if keep is None or not keep.isdigit() or int(keep) < 1:
                problem(where, "svctl backup prune needs --keep=N, N >= 1")
    if commands != BACKUP_STEPS:
        ran = "; ".join("svctl " + " ".join(c) for c in commands)
        problem(where, f"runs {ran or 'no svctl'}: should be " +
                "; ".join("svctl " + " ".join(c) for c in BACKUP_STEPS))


# ---------------------------------------------------------------- docker

def dockerfile_stages(path):
    """[(stage name or '', [(instruction, argument text)])], with line
    continuations joined and comments dropped."""
    stages = []
    logical = ""
    for raw in open(path):
        line = raw.rstrip("\n")
        if line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        if logical.strip():
            instruction, _, rest = logical.strip().partition(" ")
            instruction = instruction.upper()
            if instruction == "FROM":
                m = re.search(r"\bAS\s+(\S+)", rest, re.I)
                stages.append((m.group(1) if m else "", []))
            stages[-1][1].append((instruction, rest.strip()))
        logical = ""
    return stages


def apt_installs(instructions):
    """The packages of every `apt-get install` in RUN instructions."""
    packages = []
    for instruction, rest in instructions:
        if instruction != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = command.split()
            if "apt-get" in words and "install" in words:
                packages += [w for w in words[words.index("install") + 1:]
                             if not w.startswith("-")]
    return packages


def exec_form(rest):
    """The list of a JSON exec-form instruction."""
    return json.loads(rest)


@functools.lru_cache(maxsize=None)
def package_of(library):
    """The Debian package that installed `library`, or None."""
    for path in {library, os.path.realpath(library),
                 "/usr" + library if library.startswith("/lib") else library}:
        out = subprocess.run(["dpkg", "-S", path], capture_output=True,
                             text=True, check=False)
        if out.returncode == 0:
            return out.stdout.split(":", 1)[0].strip()
    return None


def dependency_closure(packages):
    """The packages and everything they depend on, as dpkg has them."""
    seen = set()
    todo = list(packages)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", p],
            capture_output=True, text=True, check=False)
        for dep in re.split(r"[,|]", out.stdout):
            name = dep.strip().split(" ")[0].split(":")[0]
            if name:
                todo.append(name)
    return seen


# What debian:12-slim has before anything is installed.
SLIM_BASE = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


def check_docker(args):
    path = os.path.join(args.root, "deploy/docker/Dockerfile")
    where = "deploy/docker/Dockerfile"
    stages = dockerfile_stages(path)
    if len(stages) < 2:
        problem(where, "should be multi-stage (build, then runtime)")
        return
    build, runtime = stages[0][1], stages[-1][1]
    for _, instructions in stages:
        base = instructions[0][1].split()[0]
        if not base.startswith("debian:12"):
            problem(where, f"stage FROM {base}: should be Debian 12")

    lib_sh = open(os.path.join(args.root, "scripts/lib.sh")).read()
    known = set(re.search(r"SVLEDGER_PACKAGES=\((.*?)\)", lib_sh,
                          re.S).group(1).split())
    for p in apt_installs(build):
        if p not in known:
            problem(where, f"build stage installs {p}, which scripts/lib.sh "
                    "does not (the image would build from other packages)")

    runtime_packages = apt_installs(runtime)
    have = dependency_closure(runtime_packages) | SLIM_BASE
    for binary in (args.svledger, args.svctl):
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True,
                             check=True).stdout
        for library in re.findall(r"=>\s+(/\S+)", ldd):
            package = package_of(library)
            if package is None:
                problem(where, f"{library} (loaded by {binary}) belongs to no "
                        "Debian package")
            elif package not in have:
                problem(where, f"runtime stage lacks {package}, which "
                        f"provides {os.path.basename(library)}")

    # Every directory the top-level CMakeLists.txt builds outside the
    # test-only block must be copied into the build stage, or `docker build`
    # fails at configure time (backup/ was missing once, unnoticed).
    cmake = open(os.path.join(args.root, "CMakeLists.txt")).read()
    cmake = re.sub(r"if\(SVLEDGER_BUILD_TESTS\).*?endif\(\)", "", cmake,
                   flags=re.S)
    cmake = re.sub(r"if\(SVLEDGER_FUZZ\).*?endif\(\)", "", cmake, flags=re.S)
    copied = set()
    for instruction, rest in build:
        if instruction == "COPY" and "--from" not in rest:
            copied.update(s.rstrip("/") for s in rest.split()[:-1])
    for directory in re.findall(r"add_subdirectory\((\S+?)\)", cmake):
        if directory not in copied:
            problem(where, f"build stage does not COPY {directory}, which "
                    "CMakeLists.txt builds")

    for instruction, rest in stages[0][1] + runtime:
        if instruction == "COPY" and "--from" not in rest:
            for source in rest.split()[:-1]:
                if not os.path.exists(os.path.join(args.root, source)):
                    problem(where, f"COPY {source}: no such path")

    user = [rest for i, rest in runtime if i == "USER"]
    if not user or user[-1].split(":")[0] in ("root", "0"):
        problem(where, "runtime stage should run as a non-root USER")

    entry = [exec_form(rest) for i, rest in runtime if i == "ENTRYPOINT"]
    if not entry or entry[-1][0] != "svledger":
        problem(where, "ENTRYPOINT should run svledger in exec form")
        return
    entry = entry[-1]
    check_flags(where, entry[1:], flags_of(args.svledger))
    listen = port_of(flag_value(entry, "listen"))
    metrics = flag_value(entry, "metrics-listen")
    if metrics is None or not metrics.startswith("0.0.0.0:"):
        problem(where, "--metrics-listen should bind 0.0.0.0 in a container")

    health = [rest for i, rest in runtime if i == "HEALTHCHECK"]
    if not health:
        problem(where, "no HEALTHCHECK")
    else:
        command = exec_form(health[-1].split("CMD", 1)[1].strip())
        check_flags(where, command[1:-1], flags_of(args.svctl), "svctl")
        if command[0] != "svctl" or command[-1] != "health":
            problem(where, "HEALTHCHECK should be `svctl ... health`")
        if port_of(flag_value(command, "server")) != listen:
            problem(where, "HEALTHCHECK checks another port than --listen")
    http = flag_value(entry, "http-listen")
    if http is None or not http.startswith("0.0.0.0:"):
        problem(where, "--http-listen should bind 0.0.0.0 in a container")
    exposed = {int(p) for i, rest in runtime if i == "EXPOSE"
               for p in rest.split()}
    if {listen, port_of(metrics), port_of(http)} - exposed:
        problem(where, f"EXPOSE {sorted(exposed)} misses a listening port")


# ---------------------------------------------------------------- compose

def check_compose(args):
    where = "deploy/compose.yaml"
    deploy = os.path.join(args.root, "deploy")
    compose = yaml.safe_load(open(os.path.join(deploy, "compose.yaml")))
    services = compose.get("services", {})
    for name in ("svledger", "prometheus", "grafana"):
        if name not in services:
            problem(where, f"no service {name}")
    if PROBLEMS:
        return
    build = services["svledger"]["build"]
    context = os.path.normpath(os.path.join(deploy, build["context"]))
    if not os.path.isfile(os.path.join(context, build["dockerfile"])):
        problem(where, f"svledger builds from {build['dockerfile']}, missing")
    named_volumes = set(compose.get("volumes", {}) or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                if not os.path.exists(os.path.join(deploy, source)):
                    problem(where, f"{name} mounts {source}: no such path")
            elif source not in named_volumes:
                problem(where, f"{name} uses undeclared volume {source}")
    if not any(v.split(":")[1] == "/var/lib/svledger"
               for v in services["svledger"].get("volumes", [])):
        problem(where, "svledger's data directory is not on a volume")
    check_flags(where, services["svledger"].get("command", []),
                flags_of(args.svledger))

    # Prometheus: the config the command names, in the mounted folder.
    prom = services["prometheus"]
    config_arg = [a for a in prom["command"] if a.startswith("--config.file=")]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in prom["volumes"]}
    config_path = config_arg[0].split("=", 1)[1] if config_arg else ""
    folder, file = os.path.split(config_path)
    if folder not in mounts:
        problem(where, f"Prometheus reads {config_path}, not mounted")
        return
    config = yaml.safe_load(open(os.path.join(deploy, mounts[folder], file)))
    targets = [t for job in config["scrape_configs"]
               for sc in job.get("static_configs", []) for t in sc["targets"]]
    dockerfile = dockerfile_stages(
        os.path.join(deploy, "docker/Dockerfile"))[-1][1]
    entry = [exec_form(r) for i, r in dockerfile if i == "ENTRYPOINT"][-1]
    metrics = port_of(flag_value(entry, "metrics-listen"))
    if f"svledger:{metrics}" not in targets:
        problem(where, f"Prometheus scrapes {targets}, not svledger:{metrics}")

    grafana = {v.split(":")[1]: v.split(":")[0]
               for v in services["grafana"]["volumes"]}
    if "/etc/grafana/provisioning" not in grafana:
        problem(where, "Grafana is not given deploy/grafana/provisioning")
    provider = yaml.safe_load(open(os.path.join(
        deploy, "grafana/provisioning/dashboards/svledger.yml")))
    path = provider["providers"][0]["options"]["path"]
    if path not in grafana:
        problem(where, f"Grafana's dashboard provider reads {path}, which "
                "is not mounted")


# ---------------------------------------------------------------- k8s

def check_k8s(args):
    folder = os.path.join(args.root, "deploy/k8s")
    kustomization = yaml.safe_load(open(os.path.join(folder,
                                                     "kustomization.yaml")))
    docs = []
    for file in kustomization["resources"]:
        for doc in yaml.safe_load_all(open(os.path.join(folder, file))):
            if doc:
                docs.append((f"deploy/k8s/{file}", doc))
    for file in os.listdir(folder):
        if file.endswith(".yaml") and file != "kustomization.yaml" and \
                file not in kustomization["resources"]:
            problem("deploy/k8s/kustomization.yaml", f"does not list {file}")
    kinds = {}
    for where, doc in docs:
        kinds.setdefault(doc["kind"], []).append((where, doc))
    for kind in ("StatefulSet", "Service", "ServiceMonitor", "NetworkPolicy",
                 "CronJob"):
        if kind not in kinds:
            problem("deploy/k8s", f"no {kind}")
    if PROBLEMS:
        return

    where, sts = kinds["StatefulSet"][0]
    pod = sts["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    container = pod["spec"]["containers"][0]
    container_args = container.get("args", [])
    check_flags(where, container_args, flags_of(args.svledger))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    listen = port_of(flag_value(container_args, "listen"))
    metrics = port_of(flag_value(container_args, "metrics-listen"))
    http = port_of(flag_value(container_args, "http-listen"))
    if ports.get("grpc") != listen or ports.get("metrics") != metrics or \
            ports.get("http") != http:
        problem(where, f"container ports {ports} differ from --listen "
                f"{listen}, --http-listen {http} and --metrics-listen "
                f"{metrics}")
    # Probes speak no TLS: with --tls-cert they need the health-only port.
    health = port_of(flag_value(container_args, "health-listen"))
    probe_port = health if flag_value(container_args, "tls-cert") else listen
    if flag_value(container_args, "health-listen") and \
            ports.get("health") != health:
        problem(where, f"container port health {ports.get('health')} differs "
                f"from --health-listen {health}")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        spec = container.get(probe, {})
        if spec.get("grpc", {}).get("port") != probe_port:
            problem(where, f"{probe} should be a gRPC probe on port "
                    f"{probe_port}")
    if pod["spec"].get("securityContext", {}).get("runAsNonRoot") is not True:
        problem(where, "the pod should set runAsNonRoot")
    claims = {c["metadata"]["name"] for c in sts["spec"]["volumeClaimTemplates"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    data_dir = flag_value(container_args, "data-dir")
    if mounts.get(data_dir) not in claims:
        problem(where, f"--data-dir {data_dir} is not on a persistent volume")
    # Backups on a volume of their own: losing the data's keeps them.
    backup_dir = flag_value(container_args, "backup-dir")
    if backup_dir is None:
        problem(where, "no --backup-dir: the backup CronJob would fail")
    elif (data_dir and nested(backup_dir, data_dir)) or \
            mounts.get(backup_dir) == mounts.get(data_dir):
        problem(where, f"--backup-dir {backup_dir} should be on another "
                "volume than --data-dir")
    elif mounts.get(backup_dir) not in claims:
        problem(where, f"--backup-dir {backup_dir} is not on a persistent "
                "volume")
    if sts["spec"].get("replicas", 1) != 1:
        problem(where, "a data directory has one writer: replicas must be 1")

    service_names = {doc["metadata"]["name"] for _, doc in kinds["Service"]}
    if sts["spec"]["serviceName"] not in service_names:
        problem(where, f"serviceName {sts['spec']['serviceName']} is no "
                "Service here")
    for where, service in kinds["Service"]:
        selector = service["spec"]["selector"]
        if any(pod_labels.get(k) != v for k, v in selector.items()):
            problem(where, f"selector {selector} does not match the pods")
        for port in service["spec"]["ports"]:
            if port["targetPort"] not in ports:
                problem(where, f"targetPort {port['targetPort']} is no "
                        "container port")

    # The pods bind what they must and no more: no privilege, no
    # capability, a read-only root; and a NetworkPolicy admits only gRPC
    # clients and Prometheus, each on its own port.
    if not hardened(container):
        problem(where, "the container should drop ALL capabilities, forbid "
                "privilege escalation and have a read-only root")
    policies = [(w, p) for w, p in kinds["NetworkPolicy"]
                if selects(p["spec"]["podSelector"], pod_labels)]
    if len(policies) != 1:
        problem("deploy/k8s/networkpolicy.yaml", f"{len(policies)} "
                "NetworkPolicies select the svledger pods; should be one")
        return
    where, policy = policies[0]
    if set(policy["spec"].get("policyTypes", [])) != {"Ingress", "Egress"}:
        problem(where, "policyTypes should be Ingress and Egress")
    admitted = set()
    for rule in policy["spec"].get("ingress", []):
        if not rule.get("from"):
            problem(where, "an ingress rule admits every source")
        for port in rule.get("ports", []):
            admitted.add(port["port"])
            if port["port"] not in ports:
                problem(where, f"admits port {port['port']}, which is no "
                        "container port")
    if admitted != {"grpc", "http", "metrics"}:
        problem(where, f"admits ports {sorted(admitted)}; should be grpc, "
                "http and metrics")

    where, monitor = kinds["ServiceMonitor"][0]
    selector = monitor["spec"]["selector"]
    chosen = []
    for _, service in kinds["Service"]:
        labels = service["metadata"].get("labels", {})
        if any(labels.get(k) != v
               for k, v in selector.get("matchLabels", {}).items()):
            continue
        if any(e["operator"] == "DoesNotExist" and e["key"] in labels
               for e in selector.get("matchExpressions", [])):
            continue
        chosen.append(service)
    if len(chosen) != 1:
        problem(where, f"selects {len(chosen)} Services; should be one "
                "(or every pod is scraped twice)")
    else:
        names = {p["name"] for p in chosen[0]["spec"]["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            if endpoint["port"] not in names:
                problem(where, f"scrapes port {endpoint['port']}, which the "
                        "Service does not name")

    check_backup_cronjob(args, kinds, sts, policy)


def hardened(container):
    """No privilege, no capability, a read-only root."""
    context = container.get("securityContext", {})
    return context.get("allowPrivilegeEscalation") is False and \
        context.get("readOnlyRootFilesystem") is True and \
        context.get("capabilities", {}).get("drop") == ["ALL"]


def selects(selector, labels):
    """Whether a non-empty label selector (matchLabels, matchExpressions)
    selects `labels`."""
    if not selector:
        return False
    if any(labels.get(k) != v
           for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        key, op, values = e["key"], e["operator"], e.get("values", [])
        if (op == "In" and labels.get(key) not in values) or \
                (op == "NotIn" and labels.get(key) in values) or \
                (op == "Exists" and key not in labels) or \
                (op == "DoesNotExist" and key in labels):
            return False
    return True


def admits(policy, direction, labels, ports):
    """Whether `policy`'s ingress (direction "from") or egress ("to") rules
    let pods of this namespace labelled `labels` through on one of `ports`
    (names or numbers). A namespaceSelector other than {} is taken not to
    match: this namespace's labels are not known here."""
    key = "ingress" if direction == "from" else "egress"
    for rule in policy["spec"].get(key) or []:
        rule_ports = [p.get("port") for p in rule.get("ports") or []]
        if rule_ports and None not in rule_ports and \
                not set(rule_ports) & set(ports):
            continue
        peers = rule.get(direction)
        if not peers:
            return True
        for peer in peers:
            if "ipBlock" in peer or \
                    peer.get("namespaceSelector") not in (None, {}):
                continue
            if not peer.get("podSelector") or \
                    selects(peer["podSelector"], labels):
                return True
    return False


def check_backup_cronjob(args, kinds, sts, sts_policy):
    """The backup CronJob: svctl in the StatefulSet's image, asking one of
    the Services here for backup create, prune and verify."""
    where, cron = kinds["CronJob"][0]
    if cron["spec"].get("concurrencyPolicy") != "Forbid":
        problem(where, "concurrencyPolicy should be Forbid (one backup at "
                "a time)")
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]
    labels = pod["metadata"].get("labels", {})
    spec = pod["spec"]
    sts_pod = sts["spec"]["template"]
    sts_container = sts_pod["spec"]["containers"][0]
    sts_args = sts_container.get("args", [])
    grpc_port = port_of(flag_value(sts_args, "listen"))
    if spec.get("securityContext", {}).get("runAsNonRoot") is not True:
        problem(where, "the pod should set runAsNonRoot")

    # Each step is svctl in exec form, in the server's image, hardened,
    # with its token and CA from mounted Secrets and a Service's gRPC port
    # as --server.
    services = {s["metadata"]["name"]: s for _, s in kinds["Service"]}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    steps = []
    for container in spec.get("initContainers", []) + spec["containers"]:
        name = container["name"]
        if container.get("image") != sts_container.get("image"):
            problem(where, f"{name} runs {container.get('image')}, not the "
                    f"StatefulSet's {sts_container.get('image')}")
        argv = container.get("command", []) + container.get("args", [])
        if not argv or os.path.basename(argv[0]) != "svctl":
            problem(where, f"{name} should run svctl, in exec form")
            continue
        steps.append(argv[1:])
        if not hardened(container):
            problem(where, f"{name} should drop ALL capabilities, forbid "
                    "privilege escalation and have a read-only root")
        for flag in ("token-file", "tls-ca", "tls-cert", "tls-key"):
            path = flag_value(argv, flag)
            if path is None:
                continue
            mount = [m for m in container.get("volumeMounts", [])
                     if inside(path, m["mountPath"])]
            if not mount:
                problem(where, f"{name}: --{flag} {path} is on no volume")
            elif "secret" not in volumes.get(mount[0]["name"], {}):
                problem(where, f"{name}: --{flag} {path} should come from a "
                        "Secret")
        server = flag_value(argv, "server") or SVCTL_SERVER
        host, _, port = server.rpartition(":")
        service = services.get(host.split(".")[0])
        if service is None:
            problem(where, f"{name}: --server {server} is no Service here")
        elif not any(str(p["port"]) == port and
                     p["targetPort"] in ("grpc", grpc_port)
                     for p in service["spec"]["ports"]):
            problem(where, f"{name}: --server {server} is not the Service's "
                    "gRPC port")
        if flag_value(sts_args, "tls-cert") and \
                flag_value(argv, "tls-ca") is None:
            problem(where, f"{name}: the server speaks TLS: svctl needs "
                    "--tls-ca")
    check_backup_steps(where, steps, args.svctl)

    # Its pods are no Service's backend, and may reach the gRPC port.
    for service_where, service in kinds["Service"]:
        if selects({"matchLabels": service["spec"]["selector"]}, labels):
            problem(service_where, f"selects the backup CronJob's pods "
                    f"({labels}): clients would be sent to them")
    if selects(sts["spec"]["selector"], labels):
        problem(where, "its pods have the StatefulSet's labels")
    grpc = ("grpc", grpc_port)
    sts_policy_where = [w for w, p in kinds["NetworkPolicy"]
                        if p is sts_policy][0]
    if not admits(sts_policy, "from", labels, grpc):
        problem(sts_policy_where, "does not admit the backup CronJob's pods "
                f"({labels}) to the gRPC port")
    for policy_where, policy in kinds["NetworkPolicy"]:
        if not selects(policy["spec"]["podSelector"], labels) or \
                "Egress" not in policy["spec"].get("policyTypes", []):
            continue
        if not admits(policy, "to", sts_pod["metadata"]["labels"], grpc):
            problem(policy_where, "lets the backup CronJob's pods reach no "
                    "svledger gRPC port")
        if not any(53 in [p.get("port") for p in rule.get("ports") or []]
                   for rule in policy["spec"].get("egress") or []):
            problem(policy_where, "lets the backup CronJob's pods reach no "
                    "DNS (port 53), which --server's name needs")


# ---------------------------------------------------------------- systemd

def read_unit(path):
    """A unit file's settings, {key: [values]} in file order (a key may
    repeat, e.g. ExecStart in a oneshot), all sections together."""
    unit = {}
    for line in open(path):
        line = line.strip()
        if "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            unit.setdefault(key.strip(), []).append(value.strip())
    return unit


def unit_words(unit, key):
    """The space-separated values of every `key` line."""
    return " ".join(unit.get(key, [])).split()


def check_systemd(args):
    where = "deploy/svledger.service"
    unit = read_unit(os.path.join(args.root, where))
    command = shlex.split(unit["ExecStart"][-1])
    if not command[0].endswith("/svledger"):
        problem(where, "ExecStart should run svledger")
    check_flags(where, command[1:], flags_of(args.svledger))
    state = ["/var/lib/" + d for d in unit_words(unit, "StateDirectory")]
    data_dir = flag_value(command, "data-dir")
    if data_dir not in state:
        problem(where, "--data-dir should be the StateDirectory")
    # ProtectSystem=strict: only these may be written.
    writable = state + [p.lstrip("-+") for p in
                        unit_words(unit, "ReadWritePaths")]
    backup_dir = flag_value(command, "backup-dir")
    if backup_dir is None:
        problem(where, "no --backup-dir: svledger-backup.service would fail")
    elif data_dir and nested(backup_dir, data_dir):
        problem(where, f"--backup-dir {backup_dir} should be outside "
                "--data-dir")
    elif not any(inside(backup_dir, w) for w in writable):
        problem(where, f"--backup-dir {backup_dir} is not writable: add it "
                "to StateDirectory or ReadWritePaths")
    if unit.get("User", [None])[-1] in (None, "root"):
        problem(where, "should run as its own user")
    check_systemd_backup(args, command)


def check_systemd_backup(args, server_command):
    """svledger-backup.service asks the server svledger.service runs for
    backup create, prune and verify; svledger-backup.timer starts it."""
    where = "deploy/svledger-backup.service"
    path = os.path.join(args.root, where)
    if not os.path.isfile(path):
        problem(where, "missing")
        return
    unit = read_unit(path)
    if unit.get("Type") != ["oneshot"]:
        problem(where, "should be Type=oneshot (its ExecStart lines run in "
                "turn, each once)")
    if unit.get("User", [None])[-1] in (None, "root"):
        problem(where, "should run as its own user")
    if "svledger.service" not in unit_words(unit, "After"):
        problem(where, "should be After=svledger.service")
    listen = flag_value(server_command, "listen")
    steps = []
    for line in unit.get("ExecStart", []):
        # systemd's prefixes (-, @, +, !, :); "-" would hide a failure.
        prefixes = line[:len(line) - len(line.lstrip("-@+!:"))]
        if "-" in prefixes:
            problem(where, f"ExecStart={line[:40]}...: a failed step must "
                    "fail the unit (no '-')")
        command = shlex.split(line[len(prefixes):])
        if not command[0].endswith("/svctl"):
            problem(where, f"ExecStart {command[0]} should be svctl")
            continue
        steps.append(command[1:])
        server = flag_value(command, "server") or SVCTL_SERVER
        if server != listen:
            problem(where, f"svctl calls {server}; svledger listens on "
                    f"{listen}")
        if flag_value(server_command, "tls-cert") and \
                flag_value(command, "tls-ca") is None:
            problem(where, "the server speaks TLS: svctl needs --tls-ca")
    check_backup_steps(where, steps, args.svctl)

    where = "deploy/svledger-backup.timer"
    path = os.path.join(args.root, where)
    if not os.path.isfile(path):
        problem(where, "missing")
        return
    timer = read_unit(path)
    started = timer.get("Unit", ["svledger-backup.service"])[-1]
    if started != "svledger-backup.service":
        problem(where, f"starts {started}, not svledger-backup.service")
    if not timer.get("OnCalendar"):
        problem(where, "has no OnCalendar= (when to back up)")
    if timer.get("Persistent", ["false"])[-1] not in ("true", "yes", "1"):
        problem(where, "should be Persistent=true (a run missed while the "
                "machine was off happens at boot)")
    if "timers.target" not in unit_words(timer, "WantedBy"):
        problem(where, "should be WantedBy=timers.target")


def check_dashboards(args):
    folder = os.path.join(args.root, "deploy/grafana/dashboards")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        where = f"deploy/grafana/dashboards/{name}"
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            dashboard = json.load(f)
        for panel in dashboard.get("panels", []):
            title = f"{where}: panel {panel.get('title')!r}"
            unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
            if not unit:
                problem(title, "sets no unit")
            targets = panel.get("targets", [])
            for t in targets:
                expr = t.get("expr", "")
                if (name == "social-value.json" and "svledger_" in expr
                        and not re.search(r"by \(council\b", expr)
                        and panel.get("type") != "table"):
                    problem(title, f"does not aggregate by council: {expr}")
                if "svledger_social_value" in expr and "/" in expr and (
                        "svledger_measure_info" not in expr):
                    problem(title, "a share of target without the measure "
                            f"names joined for its legend: {expr}")
            if panel.get("type") == "table":
                for t in targets:
                    if not t.get("instant") or t.get("format") != "table":
                        problem(title, f"query {t.get('refId')} is not an "
                                "instant query of format table")
                ids = [x.get("id") for x in panel.get("transformations", [])]
                if len(targets) > 1 and "merge" not in ids:
                    problem(title, "its queries are not merged into one table")
                organize = [x for x in panel.get("transformations", [])
                            if x.get("id") == "organize"]
                renamed = (organize[0].get("options", {}).get("renameByName",
                                                               {})
                           if organize else {})
                for t in targets:
                    if f"Value #{t.get('refId')}" not in renamed:
                        problem(title, f"query {t.get('refId')}'s column has "
                                "no readable name")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check",
                        choices=["docker", "compose", "k8s", "systemd",
                                 "dashboards"])
    parser.add_argument("--root", required=True)
    parser.add_argument("--svledger", required=True)
    parser.add_argument("--svctl", required=True)
    args = parser.parse_args()
    {"docker": check_docker, "compose": check_compose, "k8s": check_k8s,
     "systemd": check_systemd,
     "dashboards": check_dashboards}[args.check](args)
    for p in PROBLEMS:
        print(p, file=sys.stderr)
    if not PROBLEMS:
        print(f"{args.check}: ok")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
