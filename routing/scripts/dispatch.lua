-- No arguments: offers waiting contacts to free agents.
return reply('ok', dispatch())
