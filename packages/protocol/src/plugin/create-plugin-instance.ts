import { assertPluginInstance, parsePluginOptions, type PluginDefinition, type PluginInstanceByKindV1, type PluginInstanceByKindV1_1, type PluginKind } from './define-plugin';
import { pluginContextV1_1Of, pluginContextV1Of, type PluginRunIdentity } from './adapters/context-adapters';
import { generatorV1_1From, generatorV1From, localizerV1_1From, localizerV1From, selectorV1_1From, selectorV1From } from './adapters/instance-adapters';
import type { PluginContext } from './v1/plugin-context';
import type { PluginContextV1_1 } from './v1_1/plugin-context';

/**
 * How a v1.1 host creates any plugin: validates the options, creates the plugin with the context of its
 * protocol version (a v1 plugin gets `pluginContextV1Of`, whose storage reaches only its cache and
 * checkpoints) and returns a v1.1 instance (v1 instances adapted). Unknown versions are refused with
 * the list of supported ones.
 */
export async function createPluginInstance<K extends PluginKind>(
  plugin: PluginDefinition<K>,
  options: unknown,
  context: PluginContextV1_1,
  identity: PluginRunIdentity,
): Promise<PluginInstanceByKindV1_1[K]> {
  const parsed = parsePluginOptions(plugin, options);
  if (plugin.specificationVersion === 'v1.1') {
    const instance = await plugin.create(parsed, context);
    assertPluginInstance(plugin, instance);
    return instance;
  }
  const instance = await plugin.create(parsed, pluginContextV1Of(context, identity));
  assertPluginInstance(plugin, instance);
  const adapted: { [P in PluginKind]: (value: PluginInstanceByKindV1[P]) => PluginInstanceByKindV1_1[P] } = {
    localizer: localizerV1_1From,
    generator: generatorV1_1From,
    selector: (selector) => selectorV1_1From(selector, plugin.meta.name),
  };
  return (adapted[plugin.kind] as (value: PluginInstanceByKindV1[K]) => PluginInstanceByKindV1_1[K])(instance as PluginInstanceByKindV1[K]);
}

/**
 * How a v1 host (a test harness written for v1, say) creates any plugin: a v1 instance, v1.1 plugins
 * created on `pluginContextV1_1Of(context)` and adapted down.
 * @deprecated Hosts create plugins with `createPluginInstance` (v1.1).
 */
export async function instantiatePlugin<K extends PluginKind>(plugin: PluginDefinition<K>, options: unknown, context: PluginContext): Promise<PluginInstanceByKindV1[K]> {
  const parsed = parsePluginOptions(plugin, options);
  if (plugin.specificationVersion === 'v1') {
    const instance = await plugin.create(parsed, context);
    assertPluginInstance(plugin, instance);
    return instance;
  }
  const instance = await plugin.create(parsed, pluginContextV1_1Of(context, plugin.meta.name));
  assertPluginInstance(plugin, instance);
  const adapted: { [P in PluginKind]: (value: PluginInstanceByKindV1_1[P]) => PluginInstanceByKindV1[P] } = {
    localizer: localizerV1From,
    generator: generatorV1From,
    selector: selectorV1From,
  };
  return (adapted[plugin.kind] as (value: PluginInstanceByKindV1_1[K]) => PluginInstanceByKindV1[K])(instance as PluginInstanceByKindV1_1[K]);
}
