// Every rule, in report order of families.
import { schemaRules } from './schema.js';
import { apiserverRules } from './apiserver.js';
import { consistencyRules } from './consistency.js';
import { securityRules } from './security.js';
import { reliabilityRules } from './reliability.js';
import { budgetRules } from './budgets.js';
import { loggingRules } from './logging.js';
import { platformRules } from './platform.js';
import type { Rule } from '../types.js';

export const RULES: readonly Rule[] = [...schemaRules, ...apiserverRules, ...consistencyRules, ...securityRules, ...reliabilityRules, ...budgetRules, ...loggingRules, ...platformRules];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
