"""Pushes images straight to a registry over its HTTP API (no Docker daemon), so the daemon
that later pulls them has never seen their layer and really downloads it.

Usage: registry_push.py REGISTRY ROOTFS.TAR LABEL PATH=COMPONENT...

Each PATH (e.g. `tensorflow/serving:2.1.0`) becomes a one-layer image of ROOTFS.TAR whose
entrypoint is `/seldon-local component COMPONENT`, listening on every interface as upstream's
servers do, labelled `seldon-local.test=LABEL`. Prints one line per image pushed.
"""

import gzip
import hashlib
import json
import platform
import sys
import urllib.error
import urllib.parse
import urllib.request

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as response:
        return response.status, response.headers


def push_blob(base, repo, blob):
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    try:
        request("HEAD", f"{base}/v2/{repo}/blobs/{digest}")
        return digest
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    _, headers = request("POST", f"{base}/v2/{repo}/blobs/uploads/")
    location = urllib.parse.urljoin(base, headers["Location"])
    separator = "&" if "?" in location else "?"
    request(
        "PUT",
        f"{location}{separator}digest={digest}",
        blob,
        {"Content-Type": "application/octet-stream"},
    )
    return digest


def main():
    registry, rootfs, label, *images = sys.argv[1:]
    base = f"http://{registry}"
    with open(rootfs, "rb") as f:
        tar = f.read()
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    layer = gzip.compress(tar, compresslevel=1, mtime=0)
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    for image in images:
        path, component = image.split("=")
        repo, tag = path.rsplit(":", 1)
        config = json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "config": {
                    "Entrypoint": ["/seldon-local", "component", component],
                    "Env": ["SELDON_LOCAL_BIND=0.0.0.0"],
                    "Labels": {"seldon-local.test": label},
                },
                "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            }
        ).encode()
        layer_digest = push_blob(base, repo, layer)
        config_digest = push_blob(base, repo, config)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": {"mediaType": CONFIG, "size": len(config), "digest": config_digest},
                "layers": [{"mediaType": LAYER, "size": len(layer), "digest": layer_digest}],
            }
        ).encode()
        request(
            "PUT", f"{base}/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": MANIFEST}
        )
        print(f"pushed {registry}/{path} ({len(layer)} bytes, {component})")


if __name__ == "__main__":
    main()
