"""``readinglist --help`` and ``readinglist COMMAND --help``, as click renders them
at 80 columns; written by ``python -m readinglist.cli.docs`` (a test checks they are
current)."""

TOP_HELP = (
    "Usage: readinglist [OPTIONS] [COMMAND] [ARGS]...\n"
    "\n"
    "  Keyboard-first reading-list manager. Without a command, opens the TUI.\n"
    "\n"
    "  Exit codes: 0 ok, 1 nothing matched or cancelled, 2 bad input or usage, 3 a\n"
    "  metadata service could not be reached.\n"
    "\n"
    "Options:\n"
    "  --db PATH      Library file (default: $READINGLIST_DB or the user data dir).\n"
    "  --config PATH  config.toml (default: $READINGLIST_CONFIG or the user config\n"
    "                 dir).\n"
    "  --demo         Use a demo library built from bundled Daily Papers listings.\n"
    "  --version      Show the version and exit.\n"
    "  -h, --help     Show this message and exit.\n"
    "\n"
    "Commands:\n"
    "  import        Import Daily Papers listings or BibTeX files, or Daily...\n"
    "  add           Add papers by arXiv id, DOI or URL, or one paper from...\n"
    "  resolve       Fill in authors, year, arXiv id, DOI for papers that lack...\n"
    "  list          List papers matching a query.\n"
    "  show          Show one paper: its fields, abstract and notes.\n"
    "  export        Export papers as BibTeX.\n"
    "  pick          Pick papers fzf-style and print their keys.\n"
    "  open          Open a paper's link in the browser.\n"
    "  stats         Counts by status, tag and year.\n"
    "  tag           Add (+TAG) or remove (-TAG) tags on papers.\n"
    "  status        Set the reading status of papers.\n"
    "  note          Print a paper's note, or set it.\n"
    "  edit          Edit a paper as BibTeX in $VISUAL or $EDITOR.\n"
    "  rekey         Rename a citation key (the old one stays an alias).\n"
    "  rm            Remove papers (asks first; undo brings them back).\n"
    "  undo          Take back the newest change.\n"
    "  duplicates    List groups of papers that look like one paper.\n"
    "  merge         Merge papers into KEEP (their keys become aliases).\n"
    "  completion    Print the shell completion script for bash, zsh or fish.\n"
    "  merge-driver  Git merge driver for the library file.\n"
)

# command -> (the options that ask for its help, the help)
COMMAND_HELP: dict[str, tuple[tuple[str, ...], str]] = {
    "import": (
        ("-h", "--help"),
        (
            "Usage: readinglist import [OPTIONS] [FILE|URL]...\n"
            "\n"
            "  Import Daily Papers listings or BibTeX files, or Daily Papers days.\n"
            "\n"
            "  FILE - reads stdin; a huggingface.co/papers/date/DATE URL is that day, as\n"
            "  with --daily. Papers already in the library are merged, not duplicated.\n"
            "\n"
            "Options:\n"
            "  --daily DATE                    A Daily Papers day (YYYY-MM-DD) from Hugging\n"
            "                                  Face, with arXiv ids and authors.\n"
            "  --format [auto|dailypapers|bibtex]\n"
            "                                  The files' format (auto sniffs it).\n"
            "                                  [default: auto]\n"
            "  --tag TAG                       Tag the papers it adds.\n"
            "  --tag-existing                  Also tag papers already in the library (re-\n"
            "                                  imports keep triage otherwise).\n"
            "  -h, --help                      Show this message and exit.\n"
        ),
    ),
    "add": (
        ("-h", "--help"),
        (
            "Usage: readinglist add [OPTIONS] [ID_OR_URL]...\n"
            "\n"
            "  Add papers by arXiv id, DOI or URL, or one paper from fields or BibTeX.\n"
            "\n"
            "  ID_OR_URL: arXiv:2403.01123, 2403.01123v2, arxiv.org/abs/... or /pdf/...,\n"
            "  huggingface.co/papers/..., a DOI (10.1371/...), doi.org/... or arXiv's own\n"
            "  10.48550/arXiv.... Their metadata is looked up (one batched request). Prints\n"
            "  each paper's citation key (or that of the paper it was merged into).\n"
            "\n"
            "Options:\n"
            "  --title TEXT     The paper's title.\n"
            '  --author NAME    "Last, First" (repeatable).\n'
            "  --year YEAR      Publication year.\n"
            "  --tag TAG        A tag (repeatable).\n"
            "  --doi TEXT       DOI.\n"
            "  --arxiv TEXT     arXiv id.\n"
            "  --url TEXT       Link to the paper.\n"
            "  --abstract TEXT  Abstract.\n"
            "  --type TYPE      BibTeX entry type (misc).\n"
            "  --bibtex FILE    Read the paper(s) from a .bib file ('-' for stdin).\n"
            "  -h, --help       Show this message and exit.\n"
        ),
    ),
    "resolve": (
        ("-h", "--help"),
        (
            "Usage: readinglist resolve [OPTIONS] [QUERY]...\n"
            "\n"
            "  Fill in authors, year, arXiv id, DOI for papers that lack them.\n"
            "\n"
            "  Papers without authors or a year (those a QUERY or --key selects, else all\n"
            "  that did not come from a .bib file) are looked up by arXiv id or DOI, or\n"
            "  found by title (their Daily Papers day, then arXiv) and verified; only sure\n"
            "  matches are applied, never over a field a paper has. One undo takes a\n"
            "  resolve back. Exit 1 when some were not resolved, 3 when a service cannot be\n"
            "  reached (nothing is written then).\n"
            "\n"
            "Options:\n"
            "  --key KEY   A paper by citation key or alias (repeatable).\n"
            "  --dry-run   Print what would be filled in; write nothing.\n"
            "  --offline   Use only cached answers; send no request.\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "list": (
        ("-h", "--help"),
        (
            "Usage: readinglist list [OPTIONS] [QUERY]...\n"
            "\n"
            "  List papers matching a query.\n"
            "\n"
            "  Without a query: every paper, newest first.\n"
            "\n"
            "Options:\n"
            "  --key KEY   A paper by citation key or alias (repeatable).\n"
            "  --json      One JSON object per line (stable fields).\n"
            "  --limit N   At most N papers.  [x>=0]\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "show": (
        ("-h", "--help"),
        (
            "Usage: readinglist show [OPTIONS] KEY\n"
            "\n"
            "  Show one paper: its fields, abstract and notes.\n"
            "\n"
            "Options:\n"
            "  --json      The paper as one JSON object (the fields of list --json).\n"
            "  --bibtex    The paper as a BibTeX entry.\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "export": (
        ("-h", "--help"),
        (
            "Usage: readinglist export [OPTIONS] [QUERY]...\n"
            "\n"
            "  Export papers as BibTeX.\n"
            "\n"
            "  All of them without a QUERY or --key; to stdout without -o.\n"
            "\n"
            "Options:\n"
            "  --key KEY          A paper by citation key or alias (repeatable).\n"
            "  --cited FILE       Only the keys cited in a .tex, .aux or Markdown file.\n"
            "  -o, --output FILE  Write here instead of stdout.\n"
            "  --unicode          Keep UTF-8 instead of LaTeX escapes.\n"
            "  --notes            Include notes as annote fields.\n"
            "  --clipboard        Copy to the clipboard, not stdout.\n"
            "  -h, --help         Show this message and exit.\n"
        ),
    ),
    "pick": (
        ("-h", "--help"),
        (
            "Usage: readinglist pick [OPTIONS] [QUERY]...\n"
            "\n"
            "  Pick papers fzf-style and print their keys.\n"
            "\n"
            "  --format prints \\cite{...}, pandoc citations, BibTeX or JSON instead.\n"
            "\n"
            "Options:\n"
            "  --multi                         Tab marks several papers.\n"
            "  --format [key|cite|pandoc|bibtex|json]\n"
            "                                  What to print for the chosen papers.\n"
            "                                  [default: key]\n"
            "  --clipboard                     Also copy the result to the clipboard.\n"
            "  -h, --help                      Show this message and exit.\n"
        ),
    ),
    "open": (
        ("-h", "--help"),
        (
            "Usage: readinglist open [OPTIONS] KEY\n"
            "\n"
            "  Open a paper's link in the browser.\n"
            "\n"
            "  Without an option: its URL, else its DOI, arXiv page or code link.\n"
            "\n"
            "Options:\n"
            "  --pdf       The PDF (arXiv's, or a .pdf URL).\n"
            "  --url       The paper's URL.\n"
            "  --doi       The DOI at doi.org.\n"
            "  --code      The code repository.\n"
            "  --print     Print the link instead of opening it.\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "stats": (
        ("-h", "--help"),
        (
            "Usage: readinglist stats [OPTIONS]\n"
            "\n"
            "  Counts by status, tag and year.\n"
            "\n"
            "Options:\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "tag": (
        ("--help",),
        (
            "Usage: readinglist tag [OPTIONS] [QUERY]... [+TAG]... [-TAG]...\n"
            "\n"
            "  Add (+TAG) or remove (-TAG) tags on papers.\n"
            "\n"
            "  The papers are those a QUERY or --key selects.\n"
            "\n"
            "Options:\n"
            "  --key KEY  A paper by citation key or alias (repeatable).\n"
            "  --help     Show this message and exit.\n"
        ),
    ),
    "status": (
        ("-h", "--help"),
        (
            "Usage: readinglist status [OPTIONS] [QUERY]... STATUS\n"
            "\n"
            "  Set the reading status of papers.\n"
            "\n"
            "  STATUS is unread, reading, read or skipped; the papers are those a QUERY or\n"
            "  --key selects.\n"
            "\n"
            "Options:\n"
            "  --key KEY   A paper by citation key or alias (repeatable).\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "note": (
        ("-h", "--help"),
        (
            "Usage: readinglist note [OPTIONS] KEY [TEXT]...\n"
            "\n"
            "  Print a paper's note, or set it.\n"
            "\n"
            "  TEXT sets it (an empty TEXT clears it), - reads it from stdin, --edit opens\n"
            "  $VISUAL or $EDITOR.\n"
            "\n"
            "Options:\n"
            "  --edit      Edit the note in $VISUAL or $EDITOR.\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "edit": (
        ("-h", "--help"),
        (
            "Usage: readinglist edit [OPTIONS] KEY\n"
            "\n"
            "  Edit a paper as BibTeX in $VISUAL or $EDITOR.\n"
            "\n"
            "  Only the fields you change are saved. --set FIELD=VALUE changes fields\n"
            "  without an editor.\n"
            "\n"
            "Options:\n"
            "  --set FIELD=VALUE  Set a field without an editor (repeatable; an empty VALUE\n"
            "                     clears it).\n"
            "  -h, --help         Show this message and exit.\n"
        ),
    ),
    "rekey": (
        ("-h", "--help"),
        (
            "Usage: readinglist rekey [OPTIONS] OLD NEW\n"
            "\n"
            "  Rename a citation key (the old one stays an alias).\n"
            "\n"
            "  Citations of OLD keep resolving; NEW must be free and usable by BibTeX.\n"
            "\n"
            "Options:\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "rm": (
        ("-h", "--help"),
        (
            "Usage: readinglist rm [OPTIONS] [QUERY]...\n"
            "\n"
            "  Remove papers (asks first; undo brings them back).\n"
            "\n"
            "  The papers are those a QUERY or --key selects.\n"
            "\n"
            "Options:\n"
            "  --key KEY   A paper by citation key or alias (repeatable).\n"
            "  -y, --yes   Do not ask (needed without a terminal).\n"
            "  --json      Print the removed papers as JSON, one per line.\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "undo": (
        ("-h", "--help"),
        (
            "Usage: readinglist undo [OPTIONS]\n"
            "\n"
            "  Take back the newest change.\n"
            "\n"
            "  The history is shared with the TUI's u and survives restarts.\n"
            "\n"
            "Options:\n"
            "  --list      List the changes undo would take back.\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "duplicates": (
        ("-h", "--help"),
        (
            "Usage: readinglist duplicates [OPTIONS] [QUERY]...\n"
            "\n"
            "  List groups of papers that look like one paper.\n"
            "\n"
            "  Each group comes with its reasons (same DOI, same title, ...).\n"
            "\n"
            "Options:\n"
            '  --json      One group per line: {"reasons": [...], "keys": [...]}.\n'
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "merge": (
        ("-h", "--help"),
        (
            "Usage: readinglist merge [OPTIONS] KEEP OTHER...\n"
            "\n"
            "  Merge papers into KEEP (their keys become aliases).\n"
            "\n"
            "  Their tags, notes and the fields KEEP lacks join it, and they are removed:\n"
            "  one change, which undo takes back.\n"
            "\n"
            "Options:\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "completion": (
        ("-h", "--help"),
        (
            "Usage: readinglist completion [OPTIONS] {bash|zsh|fish}\n"
            "\n"
            "  Print the shell completion script for bash, zsh or fish.\n"
            "\n"
            '  Add eval "$(readinglist completion bash)" to ~/.bashrc (zsh likewise), or\n'
            "  readinglist completion fish | source to fish's config.\n"
            "\n"
            "Options:\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
    "merge-driver": (
        ("-h", "--help"),
        (
            "Usage: readinglist merge-driver [OPTIONS] BASE OURS THEIRS\n"
            "\n"
            "  Git merge driver for the library file.\n"
            "\n"
            "  Merges three versions of a library paper by paper.\n"
            "\n"
            "  BASE is the common ancestor (git's %O), OURS our version, replaced by the\n"
            "  result (%A), THEIRS theirs (%B).\n"
            "\n"
            "Options:\n"
            "  -h, --help  Show this message and exit.\n"
        ),
    ),
}
