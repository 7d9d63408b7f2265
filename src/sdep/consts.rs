//! Label, annotation and env names mirrored from upstream's constants.

/// Executor container name.
pub const ENGINE_CONTAINER_NAME: &str = "seldon-container-engine";
/// TF Serving container name beside the proxy.
pub const TFSERVING_CONTAINER_NAME: &str = "tfserving";
/// Downward-API volume with the pod's annotations.
pub const PODINFO_VOLUME_NAME: &str = "seldon-podinfo";
/// Where the podinfo volume is mounted.
pub const PODINFO_VOLUME_PATH: &str = "/etc/podinfo";
/// Where models are mounted.
pub const MODELS_PATH: &str = "/mnt/models";
/// Where a `pvc://` source is mounted.
pub const PVC_SOURCE_PATH: &str = "/mnt/pvc";
/// Volume holding a `pvc://` source.
pub const PVC_SOURCE_VOLUME: &str = "kfserving-pvc-source";

/// `seldon-deployment-id` label.
pub const LABEL_SELDON_ID: &str = "seldon-deployment-id";
/// `seldon-app` label (predictor key).
pub const LABEL_SELDON_APP: &str = "seldon-app";
/// `seldon-app-svc` label (1.2.1: one key; 1.16+: suffixed with the container name).
pub const LABEL_SELDON_APP_SVC: &str = "seldon-app-svc";
/// Marks the Deployment holding the executor.
pub const LABEL_SVC_ORCH: &str = "seldon-deployment-contains-svcorch";
/// `app.kubernetes.io/managed-by`.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// Executor in its own Deployment.
pub const ANNOTATION_SEPARATE_ENGINE: &str = "seldon.io/engine-separate-pod";
/// No executor for a predictor.
pub const ANNOTATION_NO_ENGINE: &str = "seldon.io/no-engine";
/// Predictor Service name override.
pub const ANNOTATION_SVC_NAME: &str = "seldon.io/svc-name";
/// Headless predictor Service.
pub const ANNOTATION_HEADLESS_SVC: &str = "seldon.io/headless-svc";
/// Executor REST timeout in milliseconds.
pub const ANNOTATION_REST_TIMEOUT: &str = "seldon.io/rest-timeout";
/// Executor logger queue size (1.18).
pub const ANNOTATION_LOGGER_QUEUE_SIZE: &str = "seldon.io/executor-logger-queue-size";
/// Executor logger write timeout (1.18).
pub const ANNOTATION_LOGGER_WRITE_TIMEOUT: &str = "seldon.io/executor-logger-write-timeout-ms";
/// Triton without init container (1.18).
pub const ANNOTATION_NO_STORAGE_INITIALIZER: &str = "seldon.io/no-storage-initializer";

/// Executor graph, base64 JSON.
pub const ENV_ENGINE_PREDICTOR: &str = "ENGINE_PREDICTOR";
/// Unit parameters, JSON.
pub const ENV_PREDICTIVE_UNIT_PARAMETERS: &str = "PREDICTIVE_UNIT_PARAMETERS";
/// Unit port (1.2.1: the only one).
pub const ENV_PREDICTIVE_UNIT_SERVICE_PORT: &str = "PREDICTIVE_UNIT_SERVICE_PORT";
/// Unit HTTP port (1.18).
pub const ENV_PREDICTIVE_UNIT_HTTP_SERVICE_PORT: &str = "PREDICTIVE_UNIT_HTTP_SERVICE_PORT";
/// Unit gRPC port (1.18).
pub const ENV_PREDICTIVE_UNIT_GRPC_SERVICE_PORT: &str = "PREDICTIVE_UNIT_GRPC_SERVICE_PORT";

/// First unit port (1.2.1: HTTP or gRPC; 1.18: HTTP).
pub const FIRST_UNIT_PORT: i32 = 9000;
/// First unit gRPC port (1.18).
pub const FIRST_UNIT_GRPC_PORT: i32 = 9500;
/// First metrics port.
pub const FIRST_METRICS_PORT: i32 = 6000;
/// Executor HTTP port.
pub const ENGINE_HTTP_PORT: i32 = 8000;
/// Executor gRPC port (Service port in both versions; container port in 1.18).
pub const ENGINE_GRPC_PORT: i32 = 5001;
/// TF Serving gRPC port beside the proxy.
pub const TFSERVING_GRPC_PORT: i32 = 2000;
/// TF Serving REST port beside the proxy.
pub const TFSERVING_REST_PORT: i32 = 2001;
/// The uid every generated pod runs as.
pub const DEFAULT_USER_ID: i64 = 8888;
/// Name of the metrics container port.
pub const METRICS_PORT_NAME: &str = "metrics";
/// Prometheus path.
pub const PROMETHEUS_PATH: &str = "/prometheus";
