
# Added by llmgw to the script clap_complete generates: model ids and aliases after -m/--model/--fallback and for
# `models status`, conversation ids and names after --conv and for `conv show|delete`, asked from
# `llmgw __complete` with the --config, --db and --user of the line being completed. Every other position is
# completed by the generated _llmgw above.
_llmgw_dynamic() {
    local line="${COMP_LINE:0:COMP_POINT}"
    local -a words=()
    read -ra words <<< "$line"
    if [[ ${#words[@]} -eq 0 || "$line" =~ [[:space:]]$ ]]; then
        words+=("")
    fi
    local cur="${words[${#words[@]}-1]}" typed value_of="" kind="" word value i
    local -a positional=() pass=()
    typed="$cur"
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        word="${words[i]}"
        if [[ -n "$value_of" ]]; then
            case "$value_of" in
                --config|--db|--user) pass+=("$value_of" "${word/#\~/$HOME}") ;;
            esac
            value_of=""
            continue
        fi
        case "$word" in
            --config=*|--db=*|--user=*)
                value="${word#*=}"
                pass+=("${word%%=*}" "${value/#\~/$HOME}")
                ;;
            @VALUE_OPTIONS@) value_of="$word" ;;
            -*) ;;
            *) positional+=("$word") ;;
        esac
    done
    case "$value_of" in
        -m|--model|--fallback) kind=models ;;
        --conv) kind=conversations ;;
        "")
            case "$cur" in
                --model=*|--fallback=*) kind=models; typed="${cur#*=}" ;;
                --conv=*) kind=conversations; typed="${cur#*=}" ;;
                -*) ;;
                *)
                    case "${positional[*]}" in
                        "conv show"|"conv delete") kind=conversations ;;
                        "models status") kind=models ;;
                    esac
                    ;;
            esac
            ;;
    esac
    if [[ -z "$kind" ]]; then
        _llmgw "$@"
        return
    fi
    # bash splits words at COMP_WORDBREAKS (':' and '=' among them) and replaces only the last piece.
    local piece="${COMP_WORDS[COMP_CWORD]}" strip prefix="" candidate
    if [[ "$typed" == *"$piece" ]]; then
        strip="${typed%"$piece"}"
    else
        strip="$typed"
        prefix="$piece"
    fi
    COMPREPLY=()
    compopt +o default +o bashdefault 2>/dev/null
    while IFS=$'\t' read -r candidate _; do
        if [[ -n "$candidate" && "$candidate" == "$typed"* ]]; then
            COMPREPLY+=("$prefix${candidate#"$strip"}")
        fi
    done < <(llmgw __complete "$kind" "${pass[@]}" 2>/dev/null)
}

