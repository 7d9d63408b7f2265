# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_seldon_local_global_optspecs
    string join \n q/quiet v/verbose color= no-progress h/help V/version
end

function __fish_seldon_local_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_seldon_local_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_seldon_local_using_subcommand
    set -l cmd (__fish_seldon_local_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c seldon-local -n "__fish_seldon_local_needs_command" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_needs_command" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "validate" -d 'Check SeldonDeployments the way the Seldon operator\'s webhook does.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "render" -d 'Print the Kubernetes objects the Seldon operator would create.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "predict" -d 'Send a prediction, or a load of them, to a running deployment.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "feedback" -d 'Send feedback (a reward, and optionally the truth) for a prediction.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "metadata" -d 'Print a deployment\'s metadata (the graph\'s, or one unit\'s with `--unit`).'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "completions" -d 'Print a shell completion script, or the man page.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "up" -d 'Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "ps" -d 'List the containers of running deployments, with state, readiness and ports.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "logs" -d 'Print the logs of a deployment\'s containers, prefixed with their names.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "down" -d 'Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its process and volumes).'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "image" -d 'Manage seldon-local\'s own Docker image'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "component" -d 'Play one of the roles the operator gives to containers (internal entry points)'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -l seldon-version -d 'The Seldon Core version whose operator behaviour is emulated' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -l config -d 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -s n -l namespace -d 'Namespace for resources that do not set one (the operator\'s default is `default`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -l strict -d 'Treat warnings (unknown fields) as errors'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand validate" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -l seldon-version -d 'The Seldon Core version whose operator behaviour is emulated' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -l config -d 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -s n -l namespace -d 'Namespace for resources that do not set one (the operator\'s default is `default`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -s o -l output -d 'Output format' -r -f -a "yaml\t'YAML, documents separated by `---`'
json\t'JSON; several objects become a `v1` List'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -l show -d 'What to print' -r -f -a "objects\t'The Kubernetes Deployments and Services'
defaulted\t'The SeldonDeployment after the operator\'s defaulting'
plan\t'The plan the local runtimes execute (pods, containers, services, graph)'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -l strict -d 'Treat warnings (unknown fields) as errors'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand render" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l predictor -d 'The predictor (the first one when omitted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l endpoint -d 'Base URL to call instead of a deployment\'s, e.g. `http://127.0.0.1:8000`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l protocol -d 'The endpoint\'s protocol (default: the deployment\'s, else `seldon`)' -r -f -a "seldon\t''
tensorflow\t''
v2\t''
kfserving\t''"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l unit -d 'Call this unit of the graph directly (`/predict`) instead of the executor' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l model -d 'Model name in TF Serving and v2 paths (default: the unit, else `model`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l timeout -d 'Per-request timeout (e.g. `30s`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l ndarray -d 'Nested JSON arrays, e.g. `[[1.0, 2.0]]`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l tensor -d 'A tensor as `{"shape": [...], "values": [...]}`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l json -d 'A complete request body, sent as is' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l file -d 'A file holding the complete request body (`-` for stdin)' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l names -d 'Feature names sent with `--ndarray` or `--tensor` (Seldon `data.names`, v2 input name)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l repeat -d 'Send N requests and report latency and throughput' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l duration -d 'Send for this long (e.g. `30s`, `2m`) and report latency and throughput' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l concurrency -d 'Requests in flight at once in load mode' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l predictor -d 'The predictor (the first one when omitted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l endpoint -d 'Base URL to call instead of a deployment\'s, e.g. `http://127.0.0.1:8000`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l protocol -d 'The endpoint\'s protocol (default: the deployment\'s, else `seldon`)' -r -f -a "seldon\t''
tensorflow\t''
v2\t''
kfserving\t''"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l unit -d 'Call this unit of the graph directly (`/predict`) instead of the executor' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l model -d 'Model name in TF Serving and v2 paths (default: the unit, else `model`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l timeout -d 'Per-request timeout (e.g. `30s`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l json -d 'The feedback body' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l file -d 'A file holding the feedback body (`-` for stdin)' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand feedback" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l predictor -d 'The predictor (the first one when omitted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l endpoint -d 'Base URL to call instead of a deployment\'s, e.g. `http://127.0.0.1:8000`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l protocol -d 'The endpoint\'s protocol (default: the deployment\'s, else `seldon`)' -r -f -a "seldon\t''
tensorflow\t''
v2\t''
kfserving\t''"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l unit -d 'Call this unit of the graph directly (`/predict`) instead of the executor' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l model -d 'Model name in TF Serving and v2 paths (default: the unit, else `model`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l timeout -d 'Per-request timeout (e.g. `30s`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand metadata" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l seldon-version -d 'The Seldon Core version whose operator behaviour is emulated' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l config -d 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s n -l namespace -d 'Namespace for resources that do not set one (the operator\'s default is `default`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l images -d 'Which images to run' -r -f -a "upstream\t'The operator\'s images (pulled when missing)'
builtin\t'seldon-local\'s own image for every role it can play'
auto\t'Upstream where present or pullable, builtin otherwise'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s p -l publish -d 'Publish a container port on a fixed host port (repeatable); others get free ports' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l timeout -d 'Seconds to wait for init containers and readiness' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s o -l output -d 'Output format of the endpoints' -r -f -a "table\t'A table'
json\t'JSON'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l runtime -d 'Where to run: Docker, in this process (no Docker at all), or Docker when a daemon answers and in-process otherwise' -r -f -a "auto\t'Docker when a daemon answers, else embedded'
docker\t'Docker containers, pods emulated'
embedded\t'In this process, on 127.0.0.1, with the builtin roles'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l exec -d 'Embedded runtime: play CONTAINER by a local command instead of its image (repeatable). Implies `--runtime embedded`. The command runs under `sh -c` in the sdep file\'s directory, with the container\'s env (`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`... set to its host ports) and args; e.g. `--exec my-model=\'seldon-core-microservice MyModel\'`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l strict -d 'Treat warnings (unknown fields) as errors'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s d -l detach -d 'Embedded runtime: return once ready and keep serving in a background process'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l detached-child -d 'Internal: this process is the background half of `up -d`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand up" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -s o -l output -d 'Output format' -r -f -a "table\t'A table'
json\t'JSON'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand ps" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -s c -l container -d 'Only this container (its name in the pod, e.g. `seldon-container-engine`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -l tail -d 'Only the last N lines of each container' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -l since -d 'Only lines newer than this: seconds (`90`), a duration (`10m`, `2h`), or a Unix time' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -s f -l follow -d 'Keep printing new lines'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand logs" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -s f -l file -d 'The SeldonDeployment file the deployment was started from' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand down" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -f -a "build" -d 'Build seldon-local\'s image from the running binary, with no registry.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and not __fish_seen_subcommand_from build help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -l force -d 'Rebuild even when an image of this binary exists'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from build" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "build" -d 'Build seldon-local\'s image from the running binary, with no registry.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "executor" -d 'The executor (`seldonio/seldon-core-executor`): serves the predictor\'s API and walks the graph given in `ENGINE_PREDICTOR`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "tfserving-proxy" -d 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving\'s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "pause" -d 'The pod sandbox: holds the pod\'s network namespace until SIGTERM or SIGINT'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "storage-initializer" -d 'Fetch a model URI into a directory, as the storage-initializer init container does.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "tensorflow-model-server" -d 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "serve-files" -d 'Serve a directory\'s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from executor tfserving-proxy pause storage-initializer tensorflow-model-server serve-files help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l sdep -d 'SeldonDeployment name' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l namespace -d 'Namespace' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l predictor -d 'Predictor name' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l port -d 'Single port for REST (1.2.1); overrides `--http_port`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l http_port -d 'REST port' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l grpc_port -d 'gRPC port (accepted; gRPC is not served)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l protocol -d 'Protocol: seldon, tensorflow, v2 or kfserving' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l transport -d 'Transport: rest (grpc is not supported)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l prometheus_path -d 'Path of the Prometheus metrics' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l server_type -d 'Server type: rpc (kafka is not supported)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l full_health_checks -d 'Check each unit\'s health endpoint instead of a TCP connect for `/ready`' -r -f -a "true\t''
false\t''"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l file -d 'Load the predictor from a SeldonDeployment file (not supported; use `ENGINE_PREDICTOR`)' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l hostname -d 'Hostname used in request-log CloudEvents (accepted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l logger_workers -d 'Request-logger workers (accepted; request logging is not implemented)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l log_work_buffer_size -d 'Request-logger queue size (accepted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l log_write_timeout_ms -d 'Request-logger enqueue timeout (accepted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l graceful_timeout -d 'Graceful shutdown timeout (accepted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l shutdown_delay -d 'Delay before shutdown (accepted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l log_level -d 'Log level (accepted)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l annotations -d 'The pod\'s downward-API annotations file (`seldon.io/rest-timeout` is read from it)' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l bind -d 'Address to listen on (upstream listens on every interface; containers need `0.0.0.0`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l max_body_bytes -d 'Largest request body accepted; bigger ones get 413' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l engine_predictor -d 'The predictor spec: base64 of its JSON, as the operator sets it' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l routing-injection -d 'Write `meta.routing` into replies when non-empty' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l cors-allowed-origins -d '`Access-Control-Allow-Origin`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l cors-allowed-headers -d '`Access-Control-Allow-Headers`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from executor" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l parameters -d '`PREDICTIVE_UNIT_PARAMETERS`: rest_endpoint, model_name, signature_name, …' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l http-service-port -d '`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l service-port -d '`PREDICTIVE_UNIT_SERVICE_PORT` (used when the HTTP one is absent, as 1.2.1 sets only it)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l unit-id -d '`PREDICTIVE_UNIT_ID`: the graph node name, for `meta.requestPath`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l unit-image -d '`PREDICTIVE_UNIT_IMAGE`: the unit\'s image, for `meta.requestPath` and `/metadata`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l bind -d 'Address to listen on (upstream listens on every interface; containers need `0.0.0.0`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l max_body_bytes -d 'Largest request body accepted; bigger ones get 413' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tfserving-proxy" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from pause" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from pause" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from pause" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from pause" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from pause" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -l pvc -d 'Map a persistent volume claim to a local directory, as `CLAIM=DIR` (repeatable)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -l base-dir -d 'The directory relative local paths in SRC are resolved against' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -l parallel -d 'How many files to download at once' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from storage-initializer" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -l dir -d 'The directory whose files are served' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -l listen -d 'Address to listen on (containers need `0.0.0.0`)' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -l tls-cert -d 'The certificate chain (PEM, leaf first); with `--tls-key`, serve HTTPS' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -l tls-key -d 'The certificate\'s private key (PEM)' -r -F
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from serve-files" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "executor" -d 'The executor (`seldonio/seldon-core-executor`): serves the predictor\'s API and walks the graph given in `ENGINE_PREDICTOR`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "tfserving-proxy" -d 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving\'s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "pause" -d 'The pod sandbox: holds the pod\'s network namespace until SIGTERM or SIGINT'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "storage-initializer" -d 'Fetch a model URI into a directory, as the storage-initializer init container does.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "tensorflow-model-server" -d 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "serve-files" -d 'Serve a directory\'s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "validate" -d 'Check SeldonDeployments the way the Seldon operator\'s webhook does.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "render" -d 'Print the Kubernetes objects the Seldon operator would create.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "predict" -d 'Send a prediction, or a load of them, to a running deployment.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "feedback" -d 'Send feedback (a reward, and optionally the truth) for a prediction.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "metadata" -d 'Print a deployment\'s metadata (the graph\'s, or one unit\'s with `--unit`).'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "completions" -d 'Print a shell completion script, or the man page.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "up" -d 'Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "ps" -d 'List the containers of running deployments, with state, readiness and ports.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "logs" -d 'Print the logs of a deployment\'s containers, prefixed with their names.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "down" -d 'Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its process and volumes).'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "image" -d 'Manage seldon-local\'s own Docker image'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "component" -d 'Play one of the roles the operator gives to containers (internal entry points)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict feedback metadata completions up ps logs down image component help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "build" -d 'Build seldon-local\'s image from the running binary, with no registry.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "executor" -d 'The executor (`seldonio/seldon-core-executor`): serves the predictor\'s API and walks the graph given in `ENGINE_PREDICTOR`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "tfserving-proxy" -d 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving\'s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "pause" -d 'The pod sandbox: holds the pod\'s network namespace until SIGTERM or SIGINT'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "storage-initializer" -d 'Fetch a model URI into a directory, as the storage-initializer init container does.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "tensorflow-model-server" -d 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "serve-files" -d 'Serve a directory\'s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network'
