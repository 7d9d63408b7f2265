"""Shared helpers of seldon-local's prepackaged server classes (run by seldon-core-microservice).

Written for seldon-local from the documented behaviour of Seldon Core's prepackaged servers: the
model sits in the directory named by the `model_uri` parameter, and an optional `metadata.yaml`
beside it is what the unit answers on its metadata endpoint.
"""

import logging
import os

import yaml

log = logging.getLogger(__name__)


def model_dir(model_uri):
    """The local directory of `model_uri` (the storage initializer has already fetched it)."""
    path = model_uri[len("file://"):] if model_uri.startswith("file://") else model_uri
    if not os.path.isdir(path):
        raise FileNotFoundError(f"model directory {path} does not exist")
    return path


def read_metadata(model_uri):
    """`metadata.yaml` of the model directory as a dict; {} when absent or not YAML."""
    path = os.path.join(model_uri, "metadata.yaml")
    if not os.path.exists(path):
        log.debug("no metadata file at %s", path)
        return {}
    try:
        with open(path) as handle:
            loaded = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        log.error("metadata file %s is not valid YAML: %s", path, error)
        return {}
    return loaded if isinstance(loaded, dict) else {}
