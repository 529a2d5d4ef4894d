-- Every meeting of the archive (migration 007), newest situation first, with its
-- withdrawal when it was withdrawn; no file bytes (sizes only).
-- Parameters: none.
SELECT m.meeting_id, m.meeting_date, m.title, m.audience, m.operations, m.phases, m.as_of,
       m.previous_id, m.import_id, m.created_by, m.created_at, m.pdf_sha256, m.annex_sha256,
       octet_length(m.pdf) AS pdf_bytes, octet_length(m.annex) AS annex_bytes, m.note,
       w.withdrawn_at, w.withdrawn_by, w.reason AS withdrawn_reason
FROM meetings AS m
LEFT JOIN meeting_withdrawals AS w ON w.meeting_id = m.meeting_id
ORDER BY m.as_of DESC, m.meeting_date DESC, m.meeting_id DESC
