import type { Command, Option } from 'commander';
import { valueKindOf, type ValueKind } from './value-kinds.js';

/** The shells `vm completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One of SHELLS. */
export type Shell = (typeof SHELLS)[number];

export interface CompletionOption {
  flags: string[];
  description: string;
  takesValue: boolean;
  choices: string[];
  /** What its value is (text for an option without one). */
  kind: ValueKind;
}

/** One positional argument as completion sees it. */
export interface CompletionArgument {
  choices: string[];
  variadic: boolean;
  kind: ValueKind;
}

/** One visible command with its own options (not those inherited from its parents) and visible subcommands. */
export interface CompletionNode {
  path: string[];
  names: string[];
  description: string;
  options: CompletionOption[];
  args: CompletionArgument[];
  commands: CompletionNode[];
}

/** The visible command tree under `program`, hidden commands and options left out. */
export function completionTree(program: Command): CompletionNode {
  const walk = (cmd: Command, path: string[], inherited: Set<string>): CompletionNode => {
    const help = cmd.createHelp();
    const options = help
      .visibleOptions(cmd)
      .map(describeOption)
      .filter((o) => o.flags.length > 0 && !o.flags.some((f) => inherited.has(f)));
    const known = new Set([...inherited, ...options.flatMap((o) => o.flags)]);
    return {
      path,
      names: [cmd.name(), ...cmd.aliases()],
      description: firstLine(cmd.description()),
      options,
      args: cmd.registeredArguments.map((a) => ({
        choices: a.argChoices ?? [],
        variadic: a.variadic,
        kind: valueKindOf(a),
      })),
      commands: help.visibleCommands(cmd).map((sub) => walk(sub, [...path, sub.name()], known)),
    };
  };
  return walk(program, [], new Set());
}

function describeOption(option: Option): CompletionOption {
  const takesValue = option.required || option.optional;
  return {
    flags: [option.short, option.long].filter((f): f is string => Boolean(f)),
    description: firstLine(option.description),
    takesValue,
    choices: option.argChoices ?? [],
    kind: takesValue ? valueKindOf(option) : 'text',
  };
}

/** Completed by kind rather than by choices (files, directories, the backend's values); text is not. */
const completedByKind = (x: { choices: string[]; kind: ValueKind }) =>
  x.choices.length === 0 && x.kind !== 'text';

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/** The completion script of `shell` for the program's command tree. */
export function completionScript(shell: Shell, program: Command): string {
  const tree = completionTree(program);
  const name = program.name();
  switch (shell) {
    case 'bash':
      return bashScript(tree, name);
    case 'zsh':
      return zshScript(tree, name);
    case 'fish':
      return fishScript(tree, name);
  }
}

/** A command path as the scripts name it: its words joined by spaces ('' for the program). */
function key(n: CompletionNode): string {
  return n.path.join(' ');
}

function nodes(tree: CompletionNode): CompletionNode[] {
  return [tree, ...tree.commands.flatMap(nodes)];
}

/** Single-quotes a word for bash and zsh. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Single-quotes a word for fish, where backslashes and quotes are escaped with a backslash. */
function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function caseFunction(fn: string, comment: string, entries: [string, string][], subject: string): string {
  const lines = entries.map(([key, value]) => `    ${sq(key)}) _vm_r=${sq(value)} ;;`);
  return [
    `${fn}() { # ${comment}`,
    `  case ${subject} in`,
    ...lines,
    `    *) _vm_r='' ;;`,
    '  esac',
    '}',
  ].join('\n');
}

/**
 * The data functions and the walker shared by bash and zsh. The walker reads the words before the cursor as
 * arguments ($1 is the program name), so it is the same code under bash's 0-based COMP_WORDS and zsh's 1-based words.
 */
function shellCore(tree: CompletionNode): string {
  const all = nodes(tree);
  const children: [string, string][] = all.flatMap((n) =>
    n.commands.flatMap((c) => c.names.map((alias): [string, string] => [`${key(n)}|${alias}`, key(c)])),
  );
  const commands: [string, string][] = all
    .filter((n) => n.commands.length > 0)
    .map((n) => [key(n), n.commands.map((c) => c.names[0]).join(' ')]);
  const options: [string, string][] = all
    .filter((n) => n.options.length > 0)
    .map((n) => [key(n), n.options.flatMap((o) => o.flags).join(' ')]);
  const valueOptions: [string, string][] = all
    .map((n): [string, string] => [
      key(n),
      n.options
        .filter((o) => o.takesValue)
        .flatMap((o) => o.flags)
        .join(' '),
    ])
    .filter(([, flags]) => flags !== '');
  const choices: [string, string][] = all.flatMap((n) =>
    n.options
      .filter((o) => o.choices.length > 0)
      .flatMap((o) => o.flags.map((f): [string, string] => [`${key(n)}|${f}`, o.choices.join(' ')])),
  );
  const optionKinds: [string, string][] = all.flatMap((n) =>
    n.options
      .filter((o) => o.takesValue && completedByKind(o))
      .flatMap((o) => o.flags.map((f): [string, string] => [`${key(n)}|${f}`, o.kind])),
  );
  // A variadic argument is the last one: its pattern matches its number and every one after it.
  const argCase = (n: CompletionNode, i: number, variadic: boolean, value: string) =>
    `    ${variadic ? `${sq(`${key(n)}|`)}*` : sq(`${key(n)}|${i}`)}) _vm_r=${sq(value)} ;;`;
  const argChoices: string[] = all.flatMap((n) =>
    n.args.flatMap((a, i) => (a.choices.length ? [argCase(n, i, a.variadic, a.choices.join(' '))] : [])),
  );
  const argKinds: string[] = all.flatMap((n) =>
    n.args.flatMap((a, i) => (completedByKind(a) ? [argCase(n, i, a.variadic, a.kind)] : [])),
  );
  const argFunction = (fn: string, comment: string, cases: string[]) =>
    [`${fn}() { # ${comment}`, '  case "$1|$2" in', ...cases, `    *) _vm_r='' ;;`, '  esac', '}'].join('\n');
  return [
    caseFunction('_vm_child', 'the command path of subcommand $2 of path $1', children, '"$1|$2"'),
    caseFunction('_vm_commands', 'the subcommands of a command path', commands, '"$1"'),
    caseFunction(
      '_vm_options',
      "the options a command declares (its parents' are added while walking)",
      options,
      '"$1"',
    ),
    caseFunction('_vm_value_options', 'which of those take a value', valueOptions, '"$1"'),
    caseFunction('_vm_choices', 'the choices of option $2 declared on command path $1', choices, '"$1|$2"'),
    caseFunction(
      '_vm_option_kind',
      'what the value of option $2 of command path $1 is: files, dirs or a kind of backend values',
      optionKinds,
      '"$1|$2"',
    ),
    argFunction(
      '_vm_arg_choices',
      'the choices of positional argument number $2 (from 0) of command path $1',
      argChoices,
    ),
    argFunction('_vm_arg_kind', 'what positional argument number $2 of command path $1 is', argKinds),
    `# Walks the words before the cursor (given as arguments) and decides what the word at the cursor ($_vm_cur)
# can be. Sets _vm_want (commands, options, words, files, dirs, values or text), _vm_r (the candidates),
# _vm_kind (which values vm's backend is asked for), _vm_opt (the option whose value is at the cursor),
# _vm_path (the command path), _vm_paths (the root and every command on the way), _vm_prefix (an "--option="
# the cursor word starts with) and _vm_conn (the line's --profile, --server and --insecure, which the
# values are asked with).
_vm_complete() {
  local w p opt='' skip=0 endopts=0 nargs=0 opts valopts found kind
  _vm_path=''
  _vm_paths=('')
  _vm_prefix=''
  _vm_want=''
  _vm_kind=''
  _vm_opt=''
  _vm_conn=()
  _vm_options ''; opts=$_vm_r
  _vm_value_options ''; valopts=$_vm_r
  shift
  for w in "$@"; do
    # bash splits --status=active into --status, =, active: the value still follows
    if [[ $w == '=' ]]; then continue; fi
    if ((skip)); then
      skip=0
      case $opt in --profile|--server) _vm_conn+=("$opt" "$w") ;; esac
      continue
    fi
    if ((!endopts)); then
      case $w in
        --) endopts=1; continue ;;
        --profile=*|--server=*|--insecure) _vm_conn+=("$w"); continue ;;
        --*=*) continue ;;
        -?*) if [[ " $valopts " == *" $w "* ]]; then skip=1; opt=$w; fi; continue ;;
      esac
    fi
    if ((nargs == 0)); then
      _vm_child "$_vm_path" "$w"
      if [[ -n $_vm_r ]]; then
        _vm_path=$_vm_r
        _vm_paths+=("$_vm_path")
        _vm_options "$_vm_path"; opts="$opts $_vm_r"
        _vm_value_options "$_vm_path"; valopts="$valopts $_vm_r"
        continue
      fi
    fi
    nargs=$((nargs + 1))
  done
  if ((!skip && !endopts)) && [[ $_vm_cur == --*=* ]]; then
    opt=\${_vm_cur%%=*}; _vm_prefix="$opt="; _vm_cur=\${_vm_cur#*=}; skip=1
  fi
  if ((skip)); then
    if [[ $_vm_cur == '=' ]]; then _vm_cur=''; fi
    found=''
    kind=''
    for p in "\${_vm_paths[@]}"; do
      _vm_choices "$p" "$opt"
      if [[ -n $_vm_r ]]; then found=$_vm_r; fi
      _vm_option_kind "$p" "$opt"
      if [[ -n $_vm_r ]]; then kind=$_vm_r; fi
    done
    _vm_opt=$opt
    _vm_r=$found
    if [[ -n $found ]]; then _vm_want=words; return 0; fi
    # a value without a kind is text of the user's own (a reason, a name): nothing to offer, not even files
    case $kind in
      '') _vm_want=text ;;
      files|dirs) _vm_want=$kind ;;
      *) _vm_want=values; _vm_kind=$kind ;;
    esac
    return 0
  fi
  if ((!endopts)) && [[ $_vm_cur == -* ]]; then
    _vm_want=options; _vm_r=$opts; return 0
  fi
  _vm_commands "$_vm_path"
  if ((nargs == 0)) && [[ -n $_vm_r ]]; then _vm_want=commands; return 0; fi
  _vm_arg_choices "$_vm_path" "$nargs"
  if [[ -n $_vm_r ]]; then _vm_want=words; return 0; fi
  _vm_arg_kind "$_vm_path" "$nargs"
  case $_vm_r in
    files|dirs) _vm_want=$_vm_r; _vm_r=''; return 0 ;;
    ?*) _vm_want=values; _vm_kind=$_vm_r; _vm_r=''; return 0 ;;
  esac
  _vm_want=options; _vm_r=$opts
}`,
  ].join('\n\n');
}

function bashScript(tree: CompletionNode, name: string): string {
  return `# bash completion for ${name}, generated from its command tree by \`${name} completion bash\`.
# Load it now:      source <(${name} completion bash)
# Or for good:      ${name} completion bash > ~/.local/share/bash-completion/completions/${name}

${shellCore(tree)}

_vm_values() { # the values of kind $1 starting with $2, asked of ${name} itself (none offline: never an error)
  local line
  _vm_r=''
  while IFS= read -r line; do _vm_r+="\${line%%$'\t'*} "; done < <(${name} "\${_vm_conn[@]}" __complete "$1" "$2" 2>/dev/null)
}

_vm() {
  local _vm_cur=\${COMP_WORDS[COMP_CWORD]}
  _vm_complete "\${COMP_WORDS[@]:0:COMP_CWORD}"
  # readline's own file and directory name completion; outside a completion (compopt fails) list them ourselves
  case $_vm_want in
    files)
      COMPREPLY=()
      compopt -o default 2>/dev/null || COMPREPLY=($(compgen -f -- "$_vm_cur"))
      return 0
      ;;
    dirs)
      COMPREPLY=()
      compopt -o dirnames 2>/dev/null || COMPREPLY=($(compgen -d -- "$_vm_cur"))
      return 0
      ;;
    text)
      COMPREPLY=()
      return 0
      ;;
    values) _vm_values "$_vm_kind" "$_vm_cur" ;;
  esac
  COMPREPLY=($(compgen -W "$_vm_r" -- "$_vm_cur"))
  if [[ -n $_vm_prefix ]]; then COMPREPLY=("\${COMPREPLY[@]/#/$_vm_prefix}"); fi
  return 0
}

complete -F _vm ${name}
`;
}

function zshScript(tree: CompletionNode, name: string): string {
  const all = nodes(tree);
  const describe = (fn: string, comment: string, rows: [string, string[]][]) =>
    [
      `${fn}() { # ${comment}`,
      '  case "$1" in',
      ...rows.map(([k, items]) => `    ${sq(k)}) _vm_d+=(${items.map(sq).join(' ')}) ;;`),
      '  esac',
      '}',
    ].join('\n');
  const entry = (word: string, description: string) => `${word.replace(/:/g, '\\:')}:${description}`;
  const commandRows: [string, string[]][] = all
    .filter((n) => n.commands.length > 0)
    .map((n) => [key(n), n.commands.map((c) => entry(c.names[0] ?? '', c.description))]);
  const optionRows: [string, string[]][] = all
    .filter((n) => n.options.length > 0)
    .map((n) => [key(n), n.options.flatMap((o) => o.flags.map((f) => entry(f, o.description)))]);
  return `#compdef ${name}
# zsh completion for ${name}, generated from its command tree by \`${name} completion zsh\`.
# Load it now:      source <(${name} completion zsh)
# Or for good:      ${name} completion zsh > "\${fpath[1]}/_${name}"

${shellCore(tree)}

${describe('_vm_zsh_commands', 'the subcommands of a command path, with descriptions', commandRows)}

${describe('_vm_zsh_options', 'the options a command declares, with descriptions', optionRows)}

_vm_zsh_values() { # the values of kind $1 starting with $2 as value:description, asked of ${name} itself (none offline)
  local line
  while IFS= read -r line; do
    _vm_d+=("\${\${line%%$'\t'*}//:/\\:}:\${line#*$'\t'}")
  done < <(${name} "\${_vm_conn[@]}" __complete "$1" "$2" 2>/dev/null)
}

_vm() {
  local _vm_cur=\${words[CURRENT]} p
  local -a _vm_d
  _vm_complete "\${(@)words[1,CURRENT-1]}"
  case $_vm_want in
    commands)
      _vm_zsh_commands "$_vm_path"
      _describe -t commands '${name} command' _vm_d
      ;;
    options)
      for p in "\${_vm_paths[@]}"; do _vm_zsh_options "$p"; done
      _describe -t options option _vm_d
      ;;
    words)
      if [[ -n $_vm_prefix ]]; then compset -P '*='; fi
      compadd -- \${=_vm_r}
      ;;
    values)
      _vm_zsh_values "$_vm_kind" "$_vm_cur"
      if [[ -n $_vm_prefix ]]; then compset -P '*='; fi
      _describe -t values "$_vm_kind" _vm_d
      ;;
    files)
      if [[ -n $_vm_prefix ]]; then compset -P '*='; fi
      _files
      ;;
    dirs)
      if [[ -n $_vm_prefix ]]; then compset -P '*='; fi
      _files -/
      ;;
    text)
      # a value of the user's own (a reason, a name): nothing to offer, not even file names
      _message -r "$_vm_opt"
      ;;
  esac
}

if [[ "\${funcstack[1]}" == _vm ]]; then
  _vm "$@"
else
  (( \${+functions[compdef]} )) || { autoload -Uz compinit && compinit -i; }
  compdef _vm ${name}
fi
`;
}

/**
 * fish's helpers: `__vm_arg PATH N` walks the words before the cursor as the bash/zsh walker does (command
 * path, options and their values, positional arguments), to know which argument the cursor is at;
 * `__vm_values KIND` asks vm itself for the backend's values.
 */
function fishHelpers(tree: CompletionNode, name: string): string {
  const all = nodes(tree);
  const children = all.flatMap((n) =>
    n.commands.flatMap((c) =>
      c.names.map(
        (alias) => `        case ${fishQuote(`${key(n)}|${alias}`)}\n            echo ${fishQuote(key(c))}`,
      ),
    ),
  );
  const valueOptions = all.flatMap((n) => {
    const flags = n.options.filter((o) => o.takesValue).flatMap((o) => o.flags);
    return flags.length
      ? [`        case ${fishQuote(key(n))}\n            printf '%s\\n' ${flags.map(fishQuote).join(' ')}`]
      : [];
  });
  return `function __vm_child --description 'the command path of subcommand $argv[2] of command path $argv[1]'
    switch "$argv[1]|$argv[2]"
${children.join('\n')}
    end
end

function __vm_value_options --description 'the options command path $argv[1] declares that take a value'
    switch "$argv[1]"
${valueOptions.join('\n')}
    end
end

function __vm_arg --description 'is the cursor at positional argument $argv[2] (from 0; N+ for N or later) of command path $argv[1]?'
    string match -q -- '-*' (commandline -ct); and return 1
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l valopts (__vm_value_options '')
    set -l nargs 0
    set -l skip 0
    set -l endopts 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if test $endopts = 0
            switch $w
                case '--'
                    set endopts 1
                    continue
                case '--*=*'
                    continue
                case '-?*'
                    contains -- $w $valopts; and set skip 1
                    continue
            end
        end
        if test $nargs = 0
            set -l child (__vm_child "$path" $w)
            if test -n "$child"
                set path $child
                set valopts $valopts (__vm_value_options "$path")
                continue
            end
        end
        set nargs (math $nargs + 1)
    end
    test $skip = 0; and test "$path" = "$argv[1]"; or return 1
    if string match -q -- '*+' $argv[2]
        test $nargs -ge (string trim -r -c + -- $argv[2])
    else
        test $nargs = $argv[2]
    end
end

function __vm_values --description 'the values of kind $argv[1] ${name} asks its backend for (none offline: never an error)'
    set -l words (commandline -opc)
    set -l conn
    for i in (seq (count $words))
        switch $words[$i]
            case --profile --server
                if test $i -lt (count $words)
                    set conn $conn $words[$i] $words[(math $i + 1)]
                end
            case '--profile=*' '--server=*' --insecure
                set conn $conn $words[$i]
        end
    end
    ${name} $conn __complete $argv[1] (string replace -r -- '^--[^=]*=' '' (commandline -ct)) 2>/dev/null
end`;
}

/** fish's words for completing a value of `kind`: files, directories, the backend's values, or nothing. */
function fishValue(kind: ValueKind): string {
  switch (kind) {
    case 'files':
      return '-F';
    case 'dirs':
      return `-a ${fishQuote('(__fish_complete_directories (commandline -ct))')}`;
    case 'text':
      return '';
    default:
      return `-a ${fishQuote(`(__vm_values ${kind})`)}`;
  }
}

function fishScript(tree: CompletionNode, name: string): string {
  const lines: string[] = [
    `# fish completion for ${name}, generated from its command tree by \`${name} completion fish\`.`,
    `# Install it: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `complete -c ${name} -e`,
    `complete -c ${name} -f`,
    '',
    fishHelpers(tree, name),
    '',
  ];
  const seen = (path: string[]) => path.map((p) => `__fish_seen_subcommand_from ${p}`);
  const walk = (n: CompletionNode) => {
    const here = seen(n.path);
    const sub = n.commands.flatMap((c) => c.names);
    const subCondition = [
      ...here,
      ...(sub.length ? [`not __fish_seen_subcommand_from ${sub.join(' ')}`] : []),
    ];
    for (const c of n.commands) {
      lines.push(
        `complete -c ${name} -n ${fishQuote(subCondition.join('; and '))} -a ${fishQuote(c.names[0] ?? '')} -d ${fishQuote(c.description)}`,
      );
    }
    const optionCondition = here.length ? ` -n ${fishQuote(here.join('; and '))}` : '';
    for (const o of n.options) {
      const flags = o.flags
        .map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`))
        .join(' ');
      // -x: the option takes a value and no file names, unless its kind says files (-r -F)
      const value = !o.takesValue
        ? ''
        : o.choices.length
          ? ` -x -a ${fishQuote(o.choices.join(' '))}`
          : o.kind === 'files'
            ? ' -r -F'
            : ` -x ${fishValue(o.kind)}`.trimEnd();
      lines.push(`complete -c ${name}${optionCondition} ${flags}${value} -d ${fishQuote(o.description)}`);
    }
    const choices = [...new Set(n.args.flatMap((a) => a.choices))];
    if (choices.length && n.path.length) {
      lines.push(
        `complete -c ${name} -n ${fishQuote([...here, `not __fish_seen_subcommand_from ${choices.join(' ')}`].join('; and '))} -a ${fishQuote(choices.join(' '))}`,
      );
    }
    n.args.forEach((a, i) => {
      if (!completedByKind(a)) return;
      const at = `__vm_arg ${fishQuote(key(n))} ${i}${a.variadic ? '+' : ''}`;
      lines.push(`complete -c ${name} -n ${fishQuote(at)} ${fishValue(a.kind)}`);
    });
    n.commands.forEach(walk);
  };
  walk(tree);
  return `${lines.join('\n')}\n`;
}
