-- One file a meeting froze, with its recorded SHA-256.
-- Parameters: $meeting INTEGER.
SELECT pdf, pdf_sha256, annex, annex_sha256
FROM meetings
WHERE meeting_id = $meeting
