"""The action kinds and the agent of inventory ads: names other parts may rely on."""

AGENT = "inventory_ads"
LAUNCH = "vehicle_ads_launch"
UPDATE = "vehicle_ads_update"
PAUSE = "vehicle_ads_pause"
KINDS = (LAUNCH, UPDATE, PAUSE)

#: The ad channels a vehicle can be advertised on; a feed is not an ad (catalog feeds).
AD_CHANNELS = ("paid_social", "paid_search")
