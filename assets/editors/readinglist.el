;;; readinglist.el --- Cite papers from a readinglist library -*- lexical-binding: t; -*-

;; Install: put this file on your `load-path' and add (require 'readinglist)
;;          to your init file, or (load "/path/to/readinglist.el").
;; Use:     M-x readinglist-cite   inserts \cite{key,...} at point
;;          M-x readinglist-pandoc inserts [@key; ...]
;;          C-c r is bound to `readinglist-cite' in LaTeX, Markdown and Org buffers.
;; The picker is `readinglist pick' running in a terminal buffer (tab marks several,
;; RET picks, ESC cancels); the choice is inserted where point was.

;;; Code:

(require 'term)

(defgroup readinglist nil
  "Cite papers from a readinglist library."
  :group 'tools)

(defcustom readinglist-command "readinglist"
  "The readinglist executable, with any global options such as --db."
  :type 'string)

(defun readinglist--finish (out target-buffer target-point status)
  "Insert the picker's OUT into TARGET-BUFFER at TARGET-POINT if STATUS is 0."
  (when (and (= status 0) (file-readable-p out) (buffer-live-p target-buffer))
    (let ((text (with-temp-buffer
                  (insert-file-contents out)
                  (string-trim (buffer-string)))))
      (with-current-buffer target-buffer
        (save-excursion
          (goto-char target-point)
          (insert text))
        (goto-char (+ target-point (length text))))))
  (when (file-exists-p out)
    (delete-file out)))

(defun readinglist-pick (format)
  "Pick papers with `readinglist pick' and insert them at point in FORMAT."
  (let* ((out (make-temp-file "readinglist-pick-"))
         (target-buffer (current-buffer))
         (target-point (point-marker))
         (window-config (current-window-configuration))
         (command (format "%s pick --multi --format %s > %s"
                          readinglist-command format (shell-quote-argument out)))
         (buffer (make-term "readinglist-pick" "/bin/sh" nil "-c" command)))
    (switch-to-buffer buffer)
    (term-char-mode)
    (set-process-sentinel
     (get-buffer-process buffer)
     (lambda (process _event)
       (unless (process-live-p process)
         (let ((status (process-exit-status process)))
           (kill-buffer (process-buffer process))
           (set-window-configuration window-config)
           (readinglist--finish out target-buffer (marker-position target-point) status)))))))

;;;###autoload
(defun readinglist-cite ()
  "Insert \\cite{...} for papers picked from the readinglist library."
  (interactive)
  (readinglist-pick "cite"))

;;;###autoload
(defun readinglist-pandoc ()
  "Insert a pandoc citation [@key; ...] for papers picked from the library."
  (interactive)
  (readinglist-pick "pandoc"))

;;;###autoload
(defun readinglist-key ()
  "Insert the bare citation key(s) of papers picked from the library."
  (interactive)
  (readinglist-pick "key"))

(dolist (hook '(latex-mode-hook LaTeX-mode-hook markdown-mode-hook org-mode-hook))
  (add-hook hook (lambda () (local-set-key (kbd "C-c r") #'readinglist-cite))))

(provide 'readinglist)
;;; readinglist.el ends here
