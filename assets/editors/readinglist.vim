" readinglist.vim - cite papers from your readinglist library in Vim and Neovim.
"
" Install: copy to ~/.vim/plugin/ (Vim) or ~/.config/nvim/plugin/ (Neovim), or
"          `source /path/to/readinglist.vim` from your vimrc / init.vim.
" Use:     :ReadinglistCite    insert \cite{key,...} after the cursor
"          :ReadinglistPandoc  insert [@key; ...]
"          :ReadinglistKey     insert the bare key(s)
"          <C-x><C-r> in insert mode and <Leader>rc in normal mode cite.
" The picker is `readinglist pick` (tab marks several, enter picks, esc cancels).
" Set g:readinglist_command to use another executable or pass --db.

if exists('g:loaded_readinglist')
  finish
endif
let g:loaded_readinglist = 1

let g:readinglist_command = get(g:, 'readinglist_command', 'readinglist')

function! s:Insert(text) abort
  if empty(a:text)
    return
  endif
  " Put the text after the cursor without touching any register.
  let l:line = getline('.')
  let l:col = col('.')
  let l:at = (l:line ==# '' ? 0 : l:col)
  call setline('.', strpart(l:line, 0, l:at) . a:text . strpart(l:line, l:at))
  call cursor(line('.'), l:at + strlen(a:text))
endfunction

function! s:Finish(out, status) abort
  let l:text = (a:status == 0 && filereadable(a:out)) ? join(readfile(a:out), '') : ''
  call delete(a:out)
  call s:Insert(l:text)
endfunction

function! readinglist#pick(format) abort
  let l:out = tempname()
  let l:cmd = g:readinglist_command . ' pick --multi --format ' . a:format
  if has('nvim')
    " Neovim's :! has no terminal, so the picker runs in a terminal split.
    let l:win = win_getid()
    botright new
    let l:term = win_getid()
    call termopen(l:cmd . ' > ' . shellescape(l:out), {
          \ 'on_exit': {job, status, event -> s:NvimDone(l:term, l:win, l:out, status)}})
    startinsert
  else
    execute 'silent !' . l:cmd . ' > ' . shellescape(l:out)
    let l:status = v:shell_error
    redraw!
    call s:Finish(l:out, l:status)
  endif
endfunction

function! s:NvimDone(term, win, out, status) abort
  if win_gotoid(a:term)
    close!
  endif
  call win_gotoid(a:win)
  call s:Finish(a:out, a:status)
endfunction

command! -bar ReadinglistCite call readinglist#pick('cite')
command! -bar ReadinglistPandoc call readinglist#pick('pandoc')
command! -bar ReadinglistKey call readinglist#pick('key')

if !hasmapto('readinglist#pick')
  inoremap <silent> <C-x><C-r> <C-o>:ReadinglistCite<CR>
  nnoremap <silent> <Leader>rc :ReadinglistCite<CR>
endif
