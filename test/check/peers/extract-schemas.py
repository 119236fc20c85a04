#!/usr/bin/env python3
"""Writes kubeconform's JSON schemas for one Kubernetes version from the
kubernetes-validate wheel (PyPI), because kubeconform's usual source, a GitHub
repository, is out of reach. The wheel's "local" schemas point at a shared
_definitions.json through an https $id; kubeconform resolves refs against the
schema file, so the $id is dropped and the refs made relative.

usage: extract-schemas.py WHEEL K8S_VERSION OUT_DIR
writes OUT_DIR/vK8S_VERSION-local{,-strict}/*.json
"""
import json
import os
import sys
import zipfile

wheel, version, out = sys.argv[1], sys.argv[2], sys.argv[3]
prefix = "kubernetes_validate/kubernetes-json-schema/"
wanted = (f"v{version}-local/", f"v{version}-local-strict/")
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        rel = name[len(prefix):] if name.startswith(prefix) else ""
        if not rel.startswith(wanted) or not rel.endswith(".json"):
            continue
        schema = json.loads(z.read(name).decode("utf-8"))
        schema.pop("$id", None)
        text = json.dumps(schema, indent=1).replace('"/api/_definitions.json#', '"_definitions.json#')
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
        count += 1
if count == 0:
    sys.exit(f"no schemas for Kubernetes {version} in {wheel}")
print(f"kubeconform schemas: {count} files for Kubernetes {version} in {out}")
