-- The sales channels, fixed by the business (silver's channel columns hold these values).
with channels as (
    select * from values
        ('web', 'Web shop', true, 1),
        ('app', 'Mobile app', true, 2),
        ('store', 'Retail store', false, 3)
        as channels(channel, channel_name, is_online, sort_order)
)

select * from channels
