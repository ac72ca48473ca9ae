"""The 15-day consolidated report of notified situations (procedure I-4) as PDF, XLSX annex and charts."""
