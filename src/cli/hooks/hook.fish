
# Added by llmgw to the script clap_complete generates: model ids, aliases and conversations come from
# `llmgw __complete`, with the --config, --db and --user of the line being completed.
function __llmgw_candidates
    set -l tokens (commandline -opc)
    set -l pass
    set -l count (count $tokens)
    for i in (seq 2 $count)
        switch $tokens[$i]
            case --config --db --user
                if test $i -lt $count
                    set pass $pass $tokens[$i] $tokens[(math $i + 1)]
                end
            case '--config=*' '--db=*' '--user=*'
                set pass $pass $tokens[$i]
        end
    end
    llmgw __complete $argv[1] $pass 2>/dev/null
end

complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show delete" -f -a "(__llmgw_candidates conversations)"
