
set edit:completion:arg-completer[seldon-local] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) SELDON_LOCAL_COMPLETE="elvish" seldon-local -- $@words) | to-lines
}

