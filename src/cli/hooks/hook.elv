
# Added by llmgw to the script clap_complete generates: model ids and aliases after -m/--model/--fallback and for
# `models status`, conversation ids and names after --conv and for `conv show|delete`, asked from
# `llmgw __complete` with the --config, --db and --user of the line being completed. Every other position is
# completed by the generated completer above, which this one wraps.
var llmgw-generated-completer = $edit:completion:arg-completer[llmgw]
set edit:completion:arg-completer[llmgw] = {|@words|
    var value-options = [@VALUE_OPTIONS@]
    var current = $words[-1]
    var typed = $current
    var prefix = ''
    var kind = ''
    var value-of = ''
    var positional = []
    var pass = []
    fn expand {|path|
        if (str:has-prefix $path '~/') {
            put $E:HOME(str:trim-prefix $path '~')
        } else {
            put $path
        }
    }
    for word $words[1..-1] {
        if (not-eq $value-of '') {
            if (has-value [--config --db --user] $value-of) {
                set pass = [$@pass $value-of (expand $word)]
            }
            set value-of = ''
        } elif (or (str:has-prefix $word --config=) (str:has-prefix $word --db=) (str:has-prefix $word --user=)) {
            var name value = (str:split &max=2 '=' $word)
            set pass = [$@pass $name (expand $value)]
        } elif (has-value $value-options $word) {
            set value-of = $word
        } elif (not (str:has-prefix $word '-')) {
            set positional = [$@positional $word]
        }
    }
    if (has-value [-m --model --fallback] $value-of) {
        set kind = models
    } elif (eq $value-of --conv) {
        set kind = conversations
    } elif (not-eq $value-of '') {
    } elif (str:has-prefix $current --model=) {
        set kind = models
        set prefix = --model=
    } elif (str:has-prefix $current --fallback=) {
        set kind = models
        set prefix = --fallback=
    } elif (str:has-prefix $current --conv=) {
        set kind = conversations
        set prefix = --conv=
    } elif (str:has-prefix $current '-') {
    } elif (has-value ['conv show' 'conv delete'] (str:join ' ' $positional)) {
        set kind = conversations
    } elif (eq 'models status' (str:join ' ' $positional)) {
        set kind = models
    }
    if (eq $kind '') {
        $llmgw-generated-completer $@words
    } else {
        try {
            llmgw __complete $kind $@pass 2>/dev/null | from-lines | each {|line|
                var value @rest = (str:split &max=2 "\t" $line)
                var display = $prefix$value
                if (> (count $rest) 0) {
                    set display = $display'  '$rest[0]
                }
                if (not-eq $value '') {
                    edit:complex-candidate $prefix$value &display=$display
                }
            }
        } catch {
        }
    }
}
