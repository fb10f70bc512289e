;;; Transforms for bench/pgloader/delivery.load, loaded with
;;; pgloader --load-lisp-file: what handover's recipe functions do, as far
;;; as a few lines of Lisp go (no number-plan validation for phones, no
;;; full country list).
(in-package #:pgloader.transforms)

(defun bench-blank (s)
  "S trimmed, or NIL when nothing is left."
  (when s
    (let ((v (string-trim '(#\Space #\Tab) s)))
      (when (plusp (length v)) v))))

(defun bench-email (s)
  "S trimmed and lower-cased, or NIL when blank: (string-trim \" \" nil) is
the symbol NIL's name, so without this a missing address became \"nil\"."
  (let ((v (bench-blank s)))
    (when v (string-downcase v))))

(defun bench-phone (s)
  "A Swiss number as +41…: digits and +, then 00… and 0… to +41…."
  (let ((d (and (bench-blank s) (cl-ppcre:regex-replace-all "[^0-9+]" s ""))))
    (cond ((or (null d) (zerop (length d))) nil)
          ((char= (char d 0) #\+) d)
          ((and (> (length d) 1) (string= "00" d :end2 2)) (concatenate 'string "+" (subseq d 2)))
          ((char= (char d 0) #\0) (concatenate 'string "+41" (subseq d 1)))
          (t d))))

(defun bench-lookup (s table)
  "The value S maps to in TABLE (an alist of strings), NIL when S is blank or unknown."
  (let ((v (bench-blank s)))
    (when v (cdr (assoc v table :test #'string=)))))

(defparameter *bench-countries*
  '(("schweiz" . "CH") ("ch" . "CH") ("suisse" . "CH") ("svizzera" . "CH") ("switzerland" . "CH")
    ("deutschland" . "DE") ("österreich" . "AT") ("frankreich" . "FR") ("italien" . "IT")
    ("liechtenstein" . "LI")))

(defun bench-country (s)
  "The ISO code of a country name the delivery uses."
  (let ((v (bench-blank s)))
    (when v (or (cdr (assoc (string-downcase v) *bench-countries* :test #'string=)) v))))

(defun bench-bool (s)
  "t or f for ja/x/1 and nein/0."
  (let ((v (bench-blank s)))
    (when v
      (let ((v (string-downcase v)))
        (cond ((member v '("ja" "x" "1") :test #'string=) "t")
              ((member v '("nein" "0") :test #'string=) "f"))))))

(defun bench-salutation (s)
  (bench-lookup s '(("Herr" . "MR") ("Herr Dr." . "MR") ("Frau" . "MS") ("Frau Dr." . "MS"))))

(defun bench-category (s)
  (bench-lookup s '(("Kunde" . "REGULAR") ("Stammkunde" . "REGULAR") ("Premium" . "VIP")
                    ("VIP" . "VIP") ("Presse" . "PRESS"))))

(defun bench-language (s)
  (let ((v (bench-blank s)))
    (when v
      (or (bench-lookup v '(("Deutsch" . "DE") ("de" . "DE") ("Französisch" . "FR") ("fr" . "FR")
                            ("Italienisch" . "IT") ("it" . "IT") ("Englisch" . "EN") ("en" . "EN")))
          "DE"))))

(defun bench-status (s)
  (bench-lookup s '(("aktiv" . "ACTIVE") ("inaktiv" . "INACTIVE"))))

(defun bench-amount (s)
  "1'234.50 as 1234.50."
  (let ((v (bench-blank s)))
    (when v (remove #\' v))))

(defun bench-key-number (s)
  "The number inside a key like F0000805, as a string."
  (let ((v (bench-blank s)))
    (when (and v (> (length v) 1))
      (let ((n (parse-integer v :start 1 :junk-allowed t)))
        (when n (format nil "~d" n))))))
