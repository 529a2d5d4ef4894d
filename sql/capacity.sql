-- Annual allocation capacity entered per landlord.
SELECT landlord, annual_allocations, updated_at FROM landlord_capacity ORDER BY landlord
