
# Added by llmgw to the script clap_complete generates: model ids, aliases and conversations come from
# `llmgw __complete`, with the --config, --db and --user of the line being completed.
(( $+functions[_llmgw_dynamic] )) ||
_llmgw_dynamic() {
    local -a line pass candidates described
    local i value c
    line=(${(z)BUFFER})
    for (( i = 2; i <= $#line; i++ )); do
        case $line[i] in
            (--config|--db|--user)
                if (( i < $#line )); then
                    value=${(Q)line[i+1]}
                    pass+=($line[i] ${value/#\~/$HOME})
                fi
                ;;
            (--config=*|--db=*|--user=*)
                value=${(Q)${line[i]#*=}}
                pass+=(${line[i]%%=*} ${value/#\~/$HOME})
                ;;
        esac
    done
    candidates=(${(f)"$(llmgw __complete $1 $pass 2>/dev/null)"})
    for c in $candidates; do
        if [[ $c == *$'\t'* ]]; then
            described+=("${${c%%$'\t'*}//:/\\:}:${c#*$'\t'}")
        else
            described+=("${c//:/\\:}")
        fi
    done
    _describe -t $1 $2 described
}
(( $+functions[_llmgw_models] )) ||
_llmgw_models() {
    _llmgw_dynamic models 'model id or alias'
}
(( $+functions[_llmgw_conversations] )) ||
_llmgw_conversations() {
    _llmgw_dynamic conversations 'conversation id or name'
}

