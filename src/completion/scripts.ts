/**
 * The completion scripts `ftpsessions completion SHELL` prints: thin
 * functions that hand the words being completed to the command itself
 * (`ftpsessions __complete CWORD -- WORDS...`, complete.ts) and offer what it
 * answers (protocol.ts). Each script covers cpapi2, uapi and ftpsessions, and
 * calls the ftpsessions installed beside the command being completed (npm's
 * bin folder, the single binary's three links), else the one on the PATH:
 * never a fixed path, never eval of what it answers.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export const SCRIPTS: Readonly<Record<Shell, string>> = {
  bash: `# bash completion for cpapi2, uapi and ftpsessions: \`ftpsessions completion bash\`
# The candidates come from the command itself (ftpsessions __complete), so
# they follow the installed version; nothing here is run through eval.

# the ftpsessions installed beside the command being completed, else the one on the PATH
_ftpsessions_program() {
  local path=$1
  [[ $path == */* ]] || path=$(type -P -- "$path" 2>/dev/null)
  if [[ -n $path && -x \${path%/*}/ftpsessions ]]; then
    printf '%s\\n' "\${path%/*}/ftpsessions"
  else
    printf '%s\\n' ftpsessions
  fi
}

_ftpsessions() {
  local line=\${COMP_LINE:0:COMP_POINT} rest trimmed word i pos=0 cword=0
  local -a words=()
  # bash splits words at = and : (COMP_WORDBREAKS): join again what touches in the line
  for ((i = 0; i < \${#COMP_WORDS[@]} && i <= COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    rest=\${line:pos}
    trimmed=\${rest#"\${rest%%[![:space:]]*}"}
    if ((i > 0 && \${#rest} == \${#trimmed})); then
      words[\${#words[@]} - 1]+=$word
    else
      words+=("$word")
    fi
    pos=$((pos + \${#rest} - \${#trimmed} + \${#word}))
  done
  cword=$((\${#words[@]} - 1))
  local cur=\${words[cword]}
  # bash replaces only the part of the word after its last word-break character
  local strip=0 j
  for ((j = \${#cur} - 1; j >= 0; j--)); do
    if [[ $COMP_WORDBREAKS == *"\${cur:j:1}"* ]]; then
      strip=$((j + 1))
      break
    fi
  done
  local program out
  program=$(_ftpsessions_program "\${words[0]}")
  out=$("$program" __complete "$cword" -- "\${words[@]}" 2>/dev/null) || return 0
  local -a lines=()
  mapfile -t lines <<<"$out"
  local head=\${lines[0]} candidate quoted
  COMPREPLY=()
  case \${head%%$'\\t'*} in
  files | dirs)
    local prefix=\${head#*$'\\t'} kind=-f
    [[ \${head%%$'\\t'*} == dirs ]] && kind=-d
    compopt -o filenames 2>/dev/null
    while IFS= read -r candidate; do
      [[ -n $candidate ]] || continue
      candidate=$prefix$candidate
      COMPREPLY+=("\${candidate:strip}")
    done < <(compgen "$kind" -- "\${cur:\${#prefix}}")
    ;;
  words)
    for candidate in "\${lines[@]:1}"; do
      candidate=\${candidate%%$'\\t'*}
      [[ -n $candidate ]] || continue
      [[ $candidate == *= ]] && compopt -o nospace 2>/dev/null
      quoted=\${candidate:strip}
      # only a * needs quoting of what the command offers (protocol.ts); %q would also escape commas
      [[ $quoted == *[!A-Za-z0-9_.,:=@%+/-]* ]] && printf -v quoted '%q' "$quoted"
      COMPREPLY+=("$quoted")
    done
    ;;
  esac
  return 0
}

complete -F _ftpsessions cpapi2 uapi ftpsessions
`,
  zsh: `#compdef ftpsessions uapi cpapi2
# zsh completion for cpapi2, uapi and ftpsessions: \`ftpsessions completion zsh\`
# The candidates come from the command itself (ftpsessions __complete), so
# they follow the installed version; nothing here is run through eval.

_ftpsessions() {
  local command=\${words[1]} found program=ftpsessions
  if [[ $command == */* ]]; then found=$command; else found=\${commands[$command]}; fi
  [[ -n $found && -x \${found:h}/ftpsessions ]] && program=\${found:h}/ftpsessions
  local -a args
  args=("\${(@Q)words[1,CURRENT-1]}" "\${(Q)PREFIX}")
  local out
  out=$("$program" __complete $((CURRENT - 1)) -- "\${args[@]}" 2>/dev/null) || return 1
  local -a lines
  lines=("\${(@f)out}")
  local head=\${lines[1]}
  case \${head%%$'\\t'*} in
  files | dirs)
    local prefix=\${head#*$'\\t'}
    [[ -n $prefix ]] && compset -P "\${(b)prefix}"
    if [[ \${head%%$'\\t'*} == dirs ]]; then _files -/; else _files; fi
    return
    ;;
  words) ;;
  *) return 1 ;;
  esac
  local -a spaced spacedShown open openShown
  local line candidate description
  for line in "\${(@)lines[2,-1]}"; do
    candidate=\${line%%$'\\t'*}
    [[ -n $candidate ]] || continue
    description=
    [[ $line == *$'\\t'* ]] && description=\${line#*$'\\t'}
    if [[ $candidate == *= ]]; then
      open+=("$candidate")
      openShown+=("$candidate\${description:+  -- $description}")
    else
      spaced+=("$candidate")
      spacedShown+=("$candidate\${description:+  -- $description}")
    fi
  done
  local ret=1
  ((\${#spaced})) && compadd -l -d spacedShown -- "\${spaced[@]}" && ret=0
  ((\${#open})) && compadd -S '' -l -d openShown -- "\${open[@]}" && ret=0
  return ret
}

if [[ \${funcstack[1]} == _ftpsessions ]]; then
  _ftpsessions "$@"
else
  compdef _ftpsessions ftpsessions uapi cpapi2
fi
`,
  fish: `# fish completion for cpapi2, uapi and ftpsessions: \`ftpsessions completion fish\`
# The candidates come from the command itself (ftpsessions __complete), so
# they follow the installed version; nothing here is run through eval.

function __ftpsessions_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l command $words[1]
    set -l found_at $command
    string match -q -- '*/*' $command; or set found_at (command -s -- $command)
    set -l program ftpsessions
    if test -n "$found_at"; and test -x (dirname -- $found_at)/ftpsessions
        set program (dirname -- $found_at)/ftpsessions
    end
    set -l out ($program __complete (count $words) -- $words $current 2>/dev/null); or return
    set -l head (string split -m 1 \\t -- $out[1])
    switch $head[1]
        case files dirs
            set -l prefix $head[2]
            set -l rest (string sub -s (math (string length -- "$prefix") + 1) -- $current)
            set -l found
            if test $head[1] = dirs
                set found (__fish_complete_directories $rest)
            else
                set found (__fish_complete_path $rest)
            end
            for f in $found
                printf '%s%s\\n' $prefix $f
            end
        case words
            printf '%s\\n' $out[2..-1]
    end
end

for name in ftpsessions uapi cpapi2
    complete -e -c $name
    complete -c $name -f -a '(__ftpsessions_complete)'
end
`,
};
