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
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "completions" -d 'Print a shell completion script, or the man page.'
complete -c seldon-local -n "__fish_seldon_local_needs_command" -f -a "component" -d 'Run one of the components a SeldonDeployment\'s pods run (internal entrypoints)'
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
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l endpoint -d 'Base URL of the endpoint, e.g. `http://127.0.0.1:8000`' -r
complete -c seldon-local -n "__fish_seldon_local_using_subcommand predict" -l protocol -d 'The endpoint\'s protocol' -r -f -a "seldon\t''
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
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand completions" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -f -a "tensorflow-model-server" -d 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and not __fish_seen_subcommand_from tensorflow-model-server help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when writing to a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s q -l quiet -d 'Print errors only'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s v -l verbose -d 'Also print notes (fields carried but not honoured) and debug detail'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -l no-progress -d 'Never draw progress bars'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from tensorflow-model-server" -s V -l version -d 'Print version'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "tensorflow-model-server" -d 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand component; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict completions component help" -f -a "validate" -d 'Check SeldonDeployments the way the Seldon operator\'s webhook does.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict completions component help" -f -a "render" -d 'Print the Kubernetes objects the Seldon operator would create.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict completions component help" -f -a "predict" -d 'Send a prediction, or a load of them, to a running deployment.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict completions component help" -f -a "completions" -d 'Print a shell completion script, or the man page.'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict completions component help" -f -a "component" -d 'Run one of the components a SeldonDeployment\'s pods run (internal entrypoints)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and not __fish_seen_subcommand_from validate render predict completions component help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c seldon-local -n "__fish_seldon_local_using_subcommand help; and __fish_seen_subcommand_from component" -f -a "tensorflow-model-server" -d 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
